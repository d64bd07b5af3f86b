// The audit trail's storage: one hash chain per org. Appends lock the org's head row,
// so writers in several processes (Postgres) still extend each chain one at a time;
// the body column holds the exact canonical JSON that was hashed.
import { canonicalJson, chainHash, GENESIS_HASH } from '../audit-chain.js';
import type { AuditAnchor, AuditChainRow, AuditEntry, AuditQuery, AuditRecord, ChainPoint, Store } from '../store.js';
import { StoreConflictError } from '../store-conflict-error.js';
import { StoreInputError } from '../store-input-error.js';
import type { SqlContext } from './context.js';
import { nowIso } from './context.js';
import type { SqlExecutor, SqlRow, SqlValue } from './sql-database.js';
import { decodeCursor, encodeCursor, num, pageLimit, Params, str, timeMs } from './values.js';

type AuditMethods = Pick<
  Store,
  'appendAudit' | 'queryAudit' | 'readAuditChain' | 'auditAnchor' | 'listAuditOrgs' | 'deleteAuditBefore'
>;

const COLUMNS = ['org', 'seq', 'request_id', 'ts_ms', 'decision', 'key_id', 'team_id', 'user_id', 'model', 'body', 'prev_hash', 'hash'];
/** Rows per INSERT: well under both dialects' bound-parameter limits. */
const ROWS_PER_INSERT = 256;

interface Prepared {
  entry: AuditEntry;
  body: string;
  tsMs: number;
}

function prepare(entry: AuditEntry): Prepared {
  if (typeof entry.org !== 'string' || entry.org === '') throw new StoreInputError('an audit entry needs an org');
  if (typeof entry.request_id !== 'string' || entry.request_id === '') throw new StoreInputError('an audit entry needs a request_id');
  // A record read back from the store may be appended again by mistake: its chain fields are never part of the body.
  const { seq: _seq, prev_hash: _prev, hash: _hash, ...clean } = entry as AuditEntry & Partial<AuditRecord>;
  return { entry: clean, body: canonicalJson(clean), tsMs: timeMs(entry.timestamp, 'timestamp') };
}

function toRecord(row: SqlRow): AuditRecord {
  return { ...(JSON.parse(str(row.body)) as AuditEntry), seq: num(row.seq), prev_hash: str(row.prev_hash), hash: str(row.hash) };
}

function toChainRow(row: SqlRow): AuditChainRow {
  return {
    org: str(row.org),
    seq: num(row.seq),
    request_id: str(row.request_id),
    decision: str(row.decision),
    body: str(row.body),
    prev_hash: str(row.prev_hash),
    hash: str(row.hash),
  };
}

export function auditMethods(ctx: SqlContext): AuditMethods {
  const { db } = ctx;

  async function lockHead(tx: SqlExecutor, org: string): Promise<ChainPoint> {
    await tx.query('INSERT INTO audit_heads (org, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (org) DO NOTHING', [org, GENESIS_HASH]);
    const rows = await tx.query(`SELECT seq, hash FROM audit_heads WHERE org = $1${db.forUpdate}`, [org]);
    return { seq: num(rows[0]!.seq), hash: str(rows[0]!.hash) };
  }

  async function insertRows(tx: SqlExecutor, records: { record: AuditRecord; body: string; tsMs: number }[]): Promise<void> {
    for (let start = 0; start < records.length; start += ROWS_PER_INSERT) {
      const chunk = records.slice(start, start + ROWS_PER_INSERT);
      const p = new Params();
      const tuples = chunk.map(({ record, body, tsMs }) => {
        const values: SqlValue[] = [
          record.org,
          record.seq,
          record.request_id,
          tsMs,
          record.decision,
          record.key_id ?? null,
          record.team ?? null,
          record.user ?? null,
          record.model?.used ?? null,
          body,
          record.prev_hash,
          record.hash,
        ];
        return `(${values.map((v) => p.add(v)).join(', ')})`;
      });
      await tx.execute(`INSERT INTO audit_records (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, p.values);
    }
  }

  return {
    async appendAudit(entries) {
      if (entries.length === 0) return [];
      const prepared = entries.map(prepare);
      const byOrg = new Map<string, number[]>();
      prepared.forEach((item, index) => {
        const list = byOrg.get(item.entry.org);
        if (list) list.push(index);
        else byOrg.set(item.entry.org, [index]);
      });
      return db.transaction(async (tx) => {
        const out = new Array<AuditRecord>(entries.length);
        // Heads are locked in org order so two concurrent batches cannot deadlock.
        for (const org of [...byOrg.keys()].sort()) {
          let head = await lockHead(tx, org);
          const rows: { record: AuditRecord; body: string; tsMs: number }[] = [];
          for (const index of byOrg.get(org)!) {
            const { entry, body, tsMs } = prepared[index]!;
            const hash = chainHash(head.hash, body);
            const record: AuditRecord = { ...entry, seq: head.seq + 1, prev_hash: head.hash, hash };
            rows.push({ record, body, tsMs });
            out[index] = record;
            head = { seq: record.seq, hash };
          }
          await insertRows(tx, rows);
          await tx.query('UPDATE audit_heads SET seq = $2, hash = $3 WHERE org = $1', [org, head.seq, head.hash]);
        }
        return out;
      });
    },

    async queryAudit(org, query: AuditQuery = {}) {
      const limit = pageLimit(query.limit);
      const desc = (query.order ?? 'desc') === 'desc';
      const list = desc ? 'audit-desc' : 'audit-asc';
      const p = new Params();
      const where = [`org = ${p.add(org)}`];
      const eq: [string, string | undefined][] = [
        ['request_id', query.request_id],
        ['key_id', query.key_id],
        ['team_id', query.team],
        ['user_id', query.user],
        ['model', query.model],
        ['decision', query.decision],
      ];
      for (const [column, value] of eq) if (value !== undefined) where.push(`${column} = ${p.add(value)}`);
      if (query.since !== undefined) where.push(`ts_ms >= ${p.add(timeMs(query.since, 'since'))}`);
      if (query.until !== undefined) where.push(`ts_ms < ${p.add(timeMs(query.until, 'until'))}`);
      if (query.cursor !== undefined) where.push(`seq ${desc ? '<' : '>'} ${p.add(decodeCursor(list, query.cursor))}`);
      const rows = await db.query(
        `SELECT seq, body, prev_hash, hash FROM audit_records WHERE ${where.join(' AND ')}
         ORDER BY seq ${desc ? 'DESC' : 'ASC'} LIMIT ${p.add(limit + 1)}`,
        p.values,
      );
      const more = rows.length > limit;
      const kept = more ? rows.slice(0, limit) : rows;
      const last = kept[kept.length - 1];
      return { items: kept.map(toRecord), next_cursor: more && last ? encodeCursor(list, num(last.seq)) : null };
    },

    async readAuditChain(org, afterSeq, limit) {
      const rows = await db.query(
        `SELECT org, seq, request_id, decision, body, prev_hash, hash FROM audit_records
         WHERE org = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [org, afterSeq, limit],
      );
      return rows.map(toChainRow);
    },

    async auditAnchor(org): Promise<AuditAnchor> {
      const heads = await db.query('SELECT seq, hash FROM audit_heads WHERE org = $1', [org]);
      const checkpoints = await db.query('SELECT seq, hash FROM audit_checkpoints WHERE org = $1', [org]);
      const head = heads[0] && num(heads[0].seq) > 0 ? { seq: num(heads[0].seq), hash: str(heads[0].hash) } : null;
      const checkpoint = checkpoints[0] ? { seq: num(checkpoints[0].seq), hash: str(checkpoints[0].hash) } : null;
      return { head, checkpoint };
    },

    async listAuditOrgs() {
      return (await db.query('SELECT org FROM audit_heads ORDER BY org')).map((row) => str(row.org));
    },

    async deleteAuditBefore(org, before) {
      const cutoff = timeMs(before, 'before');
      return db.transaction(async (tx) => {
        // Holding the head lock keeps appends to this org out while the prefix moves.
        await lockHead(tx, org);
        const existing = await tx.query('SELECT seq, hash FROM audit_checkpoints WHERE org = $1', [org]);
        const checkpoint = existing[0] ? { seq: num(existing[0].seq), hash: str(existing[0].hash) } : null;
        const firstKept = await tx.query('SELECT MIN(seq) AS seq FROM audit_records WHERE org = $1 AND ts_ms >= $2', [org, cutoff]);
        const last = await tx.query('SELECT MAX(seq) AS seq FROM audit_records WHERE org = $1', [org]);
        if (last[0]?.seq === null || last[0]?.seq === undefined) return { deleted: 0, checkpoint };
        const keptSeq = firstKept[0]?.seq;
        const cut = keptSeq === null || keptSeq === undefined ? num(last[0].seq) : num(keptSeq) - 1;
        if (cut <= (checkpoint?.seq ?? 0)) return { deleted: 0, checkpoint };
        const at = await tx.query('SELECT hash FROM audit_records WHERE org = $1 AND seq = $2', [org, cut]);
        if (!at[0]) throw new StoreConflictError(`audit chain of ${org} has no record ${cut}; verify it before applying retention`);
        const next = { seq: cut, hash: str(at[0].hash) };
        await tx.query(
          `INSERT INTO audit_checkpoints (org, seq, hash, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (org) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at`,
          [org, next.seq, next.hash, nowIso(ctx)],
        );
        const deleted = await tx.execute('DELETE FROM audit_records WHERE org = $1 AND seq <= $2', [org, cut]);
        return { deleted, checkpoint: next };
      });
    },
  };
}
