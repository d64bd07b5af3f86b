// `warden audit verify [--org O]`: re-walks the hash chain of one org (or every org) in the
// store `warden serve` uses, and names the first record that was edited, deleted or moved.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../audit/verify.js';
import { loadConfig } from '../config/config.js';
import { openStore } from '../store/open-store.js';
import { type CliIo, UsageError } from './io.js';

export async function auditCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify') throw new UsageError(sub ? `unknown audit command "${sub}"` : 'audit needs a command (verify)');
  const { values } = parseArgs({ args: rest, options: { org: { type: 'string' }, config: { type: 'string' } } });
  const config = loadConfig(values.config);
  const dataDir = resolve(config.file.data_dir ?? '.warden');
  const store = await openStore({ databaseUrl: env.DATABASE_URL || undefined, sqlitePath: join(dataDir, 'warden.db') });
  try {
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
