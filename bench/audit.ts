// Appends/s through the durable audit path (SQLite WAL + synchronous=FULL; Postgres commit),
// with and without group commit. Run: npm run bench -- audit
// (set DATABASE_URL to include Postgres). Not a test: timings belong to no assertion.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createAuditLog } from '../src/audit/audit-log.js';
import type { AuditLogOptions } from '../src/audit/audit-log.js';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { auditEntryFixture } from '../test/store/fixtures/audit-entry.js';

async function measure(label: string, store: Store, total: number, inFlight: number, options: AuditLogOptions): Promise<void> {
  const log = createAuditLog(store, options);
  const org = `bench-${randomBytes(4).toString('hex')}`;
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const id = `b_${++next}`;
        const t = performance.now();
        await log.append(auditEntryFixture(org, id, { timestamp: new Date().toISOString() }));
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await log.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(2);
  const { batches, largestBatch } = log.stats();
  console.log(
    `${label.padEnd(44)} ${String(Math.round(total / seconds)).padStart(7)} appends/s  ` +
      `p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms  batches ${batches} (largest ${largestBatch})`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'warden-audit-bench-'));
try {
  const sqlite = await openSqliteStore({ path: join(dir, 'bench.db') });
  await measure('sqlite  no batching (maxBatch 1), 256 in flight', sqlite, 2000, 256, { maxBatch: 1, maxDelayMs: 0 });
  await measure('sqlite  group commit 2 ms, 1 in flight', sqlite, 1000, 1, { maxDelayMs: 2 });
  await measure('sqlite  group commit 0 ms, 1 in flight', sqlite, 2000, 1, { maxDelayMs: 0 });
  await measure('sqlite  group commit 2 ms, 64 in flight', sqlite, 30000, 64, { maxDelayMs: 2 });
  await measure('sqlite  group commit 2 ms, 256 in flight', sqlite, 50000, 256, { maxDelayMs: 2 });
  await measure('sqlite  group commit 0 ms, 256 in flight', sqlite, 50000, 256, { maxDelayMs: 0 });
  await sqlite.close();

  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `warden_bench_${randomBytes(4).toString('hex')}`;
    const postgres = await openPostgresStore({ connectionString: url, schema });
    try {
      await measure('postgres no batching (maxBatch 1), 256 in flight', postgres, 3000, 256, { maxBatch: 1, maxDelayMs: 0 });
      await measure('postgres group commit 2 ms, 1 in flight', postgres, 1000, 1, { maxDelayMs: 2 });
      await measure('postgres group commit 2 ms, 256 in flight', postgres, 30000, 256, { maxDelayMs: 2 });
    } finally {
      await postgres.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  } else {
    console.log('DATABASE_URL not set: Postgres skipped');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
