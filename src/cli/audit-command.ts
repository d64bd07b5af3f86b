// `warden audit verify [--org O]`: re-walks the hash chain of one org (or every org) in the
// store `warden serve` uses, and names the first record that was edited, deleted or moved.
// `warden audit prune --older-than Nd [--org O]`: retention, keeping the chain verifiable.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../audit/verify.js';
import { loadConfig } from '../config/config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { type CliIo, UsageError } from './io.js';

const DURATION = /^([1-9][0-9]{0,4})d$/;

export async function auditCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify' && sub !== 'prune') throw new UsageError(sub ? `unknown audit command "${sub}"` : 'audit needs a command (verify or prune)');
  const { values } = parseArgs({ args: rest, options: { org: { type: 'string' }, config: { type: 'string' }, 'older-than': { type: 'string' } } });
  let cutoff: Date | undefined;
  if (sub === 'prune') {
    const days = DURATION.exec(values['older-than'] ?? '')?.[1];
    if (!days) throw new UsageError('audit prune needs --older-than Nd (days), e.g. --older-than 90d');
    cutoff = new Date(Date.now() - Number(days) * 86_400_000);
  }
  const config = loadConfig(values.config);
  const dataDir = resolve(config.file.data_dir ?? '.warden');
  const store = await openStore({ databaseUrl: env.DATABASE_URL || undefined, sqlitePath: join(dataDir, 'warden.db') });
  try {
    if (cutoff) return await prune(store, cutoff, values.org, io);
    const result = await verifyAuditChain(store, values.org);
    if (result.ok) {
      io.out(`audit chain intact: ${result.records} record${result.records === 1 ? '' : 's'}${values.org ? ` in org ${values.org}` : ''}\n`);
      return 0;
    }
    io.err(`audit chain broken in org ${result.org} at record ${result.at.seq}${result.at.request_id ? ` (request ${result.at.request_id})` : ''}: ${result.problem}: ${result.detail}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/**
 * Retention: removes each org's audit records older than the cutoff behind a checkpoint,
 * so the remaining chain still verifies, and the approvals decided before the cutoff
 * (pending ones stay). Run it from cron for a retention period.
 */
async function prune(store: Store, cutoff: Date, org: string | undefined, io: CliIo): Promise<number> {
  // Every escalated call was audited, so the orgs with a chain are the orgs with approvals.
  const orgs = org ? [org] : await store.listAuditOrgs();
  const before = cutoff.toISOString();
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  let records = 0;
  let approvals = 0;
  for (const o of orgs) {
    const { deleted } = await store.deleteAuditBefore(o, before);
    const decided = await store.deleteApprovalsBefore(o, before);
    records += deleted;
    approvals += decided;
    if (deleted || decided) io.out(`org ${o}: removed ${plural(deleted, 'audit record')} and ${plural(decided, 'decided approval')} before ${before}\n`);
  }
  io.out(`audit retention: ${plural(records, 'record')} and ${plural(approvals, 'decided approval')} removed; the remaining chain verifies from its checkpoint\n`);
  return 0;
}
