// The audit writer's thread (see sqlite-audit-writer.ts): its own connection to the store's
// file, and the store's own appendAudit, so the chain logic is the one every adapter uses.
import { parentPort, workerData } from 'node:worker_threads';
import { auditMethods } from '../sql/audit.js';
import type { AuditEntry } from '../store.js';
import { SqliteDatabase } from './sqlite-database.js';
import { openSqliteConnection } from './sqlite-store.js';
import type { WriterReply, WriterRequest } from './sqlite-audit-writer.js';

const port = parentPort;
if (!port) throw new Error('sqlite-audit-worker runs as a worker thread');
const db = new SqliteDatabase(openSqliteConnection((workerData as { path: string }).path));
const { appendAudit } = auditMethods({ db, now: Date.now });

port.on('message', (message: WriterRequest) => {
  if (message.type === 'close') {
    void db.close().finally(() => port.close());
    return;
  }
  appendAudit(message.entries as AuditEntry[]).then(
    (records) => port.postMessage({ id: message.id, records } satisfies WriterReply),
    (error: unknown) => {
      const err = error as { name?: unknown; message?: unknown };
      port.postMessage({ id: message.id, error: { name: String(err?.name ?? 'Error'), message: String(err?.message ?? error) } } satisfies WriterReply);
    },
  );
});
