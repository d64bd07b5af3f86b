// Re-walks an org's hash chain from its checkpoint (genesis, or the last record removed by
// retention) to its head, and names the first record that was edited, deleted or moved.
import { chainHash, GENESIS_HASH } from '../store/audit-chain.js';
import type { AuditChainRow, Store } from '../store/store.js';

export type ChainProblem = 'edited' | 'deleted' | 'reordered';

export type ChainVerification =
  | { ok: true; records: number }
  | {
      ok: false;
      org: string;
      /** The first bad position; `request_id` is null where the record is gone. */
      at: { seq: number; request_id: string | null };
      problem: ChainProblem;
      detail: string;
    };

export type ChainReader = Pick<Store, 'readAuditChain' | 'auditAnchor'>;

const PAGE = 1000;

function bodyMatchesColumns(row: AuditChainRow): boolean {
  try {
    const body = JSON.parse(row.body) as { org?: unknown; request_id?: unknown; decision?: unknown };
    return body.org === row.org && body.request_id === row.request_id && body.decision === row.decision;
  } catch {
    return false;
  }
}

/** Whether some record of the chain has this hash: tells a moved record from a missing one. */
async function chainHolds(store: ChainReader, org: string, from: number, hash: string): Promise<boolean> {
  for (let after = from; ; ) {
    const rows = await store.readAuditChain(org, after, PAGE);
    if (rows.some((row) => row.hash === hash)) return true;
    if (rows.length < PAGE) return false;
    after = rows[rows.length - 1]!.seq;
  }
}

/** Verifies one org's chain. */
export async function verifyChain(store: ChainReader, org: string): Promise<ChainVerification> {
  const anchor = await store.auditAnchor(org);
  const start = anchor.checkpoint?.seq ?? 0;
  let expectedSeq = start + 1;
  let expectedPrev = anchor.checkpoint?.hash ?? GENESIS_HASH;
  let previous: AuditChainRow | null = null;
  let records = 0;
  const fail = (seq: number, requestId: string | null, problem: ChainProblem, detail: string): ChainVerification => ({
    ok: false,
    org,
    at: { seq, request_id: requestId },
    problem,
    detail,
  });

  for (;;) {
    const rows = await store.readAuditChain(org, expectedSeq - 1, PAGE);
    for (const row of rows) {
      if (row.seq !== expectedSeq) {
        return fail(expectedSeq, null, 'deleted', `record ${expectedSeq} is missing; the chain resumes at ${row.seq} (${row.request_id})`);
      }
      if (chainHash(row.prev_hash, row.body) !== row.hash || !bodyMatchesColumns(row)) {
        return fail(row.seq, row.request_id, 'edited', `record ${row.seq} does not match its hash`);
      }
      if (row.prev_hash !== expectedPrev) {
        if (await chainHolds(store, org, start, row.prev_hash)) {
          return fail(row.seq, row.request_id, 'reordered', `record ${row.seq} chains to a record that is elsewhere in the chain`);
        }
        if (previous === null) {
          return fail(row.seq, row.request_id, 'deleted', `record ${row.seq} does not chain to the checkpoint: records before it are missing`);
        }
        return fail(
          previous.seq,
          previous.request_id,
          'edited',
          `record ${row.seq} chains to a hash no record has: record ${previous.seq} was rewritten with a new hash, or records were removed and renumbered`,
        );
      }
      expectedPrev = row.hash;
      expectedSeq += 1;
      previous = row;
      records += 1;
    }
    if (rows.length < PAGE) break;
  }

  const head = anchor.head;
  const lastSeq = expectedSeq - 1;
  if (head !== null && head.seq > lastSeq) {
    return fail(lastSeq + 1, null, 'deleted', `records ${lastSeq + 1} to ${head.seq} are missing (the chain head is ${head.seq})`);
  }
  if (head !== null && previous !== null && head.hash !== previous.hash) {
    return fail(previous.seq, previous.request_id, 'edited', `record ${previous.seq} is not the chain head the writer recorded`);
  }
  if (head === null && previous !== null) {
    return fail(previous.seq, previous.request_id, 'edited', 'records exist but the chain head is gone');
  }
  return { ok: true, records };
}

/** For `warden audit verify`: one org, or every org with a chain; stops at the first broken chain. */
export async function verifyAuditChain(
  store: ChainReader & Pick<Store, 'listAuditOrgs'>,
  org?: string,
): Promise<ChainVerification> {
  const orgs = org === undefined ? await store.listAuditOrgs() : [org];
  let records = 0;
  for (const each of orgs) {
    const result = await verifyChain(store, each);
    if (!result.ok) return result;
    records += result.records;
  }
  return { ok: true, records };
}
