// Budgets must hold across OS processes (gateway replicas), not only across
// promises in one process. These tests spawn real workers against a shared Redis.
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  deleteByPrefix,
  randomPrefix,
  redisUrlOrWarn,
  waitFor,
} from '../../../test/fixtures/counters/redis-test-env.js';
import { connectRedisCounterStore } from './redis-store.js';
import { type JsonLinesWorker, startJsonLinesWorker } from '../../../test/fixtures/json-lines-worker.js';

const url = redisUrlOrWarn('the multi-process Redis budget suite (redis-multiprocess.test.ts)');
const WORKER = fileURLToPath(new URL('../../../test/fixtures/counters/reserve-worker.ts', import.meta.url));
const CAP = 1_000_000; // $1.00 in micro-USD

interface WorkerReport {
  type: 'ready' | 'done' | 'holding';
  admitted?: number;
  rejected?: number;
  errors?: string[];
  startedAt?: number;
}

type Worker = JsonLinesWorker<WorkerReport>;

function startWorker(env: Record<string, string>): Worker {
  return startJsonLinesWorker<WorkerReport>(WORKER, env);
}

describe.skipIf(url === undefined)('Redis budgets across OS processes', () => {
  const redisUrl = url ?? '';
  const prefix = randomPrefix('multiprocess');
  const started: Worker[] = [];

  /** Starts `n` workers, waits until all are connected, then releases them at once. */
  async function launch(n: number, env: Record<string, string>): Promise<Worker[]> {
    const workers = Array.from({ length: n }, (_, i) =>
      startWorker({ REDIS_URL: redisUrl, WORKER_PREFIX: prefix, WORKER_ID: `${env.WORKER_KEY}-w${i}`, ...env }),
    );
    started.push(...workers);
    const ready = await Promise.all(workers.map((w) => w.next(15_000)));
    expect(ready.map((r) => r.type)).toEqual(workers.map(() => 'ready'));
    for (const w of workers) w.child.stdin?.write('go\n');
    return workers;
  }

  afterEach(() => {
    for (const w of started.splice(0)) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  });
  afterAll(async () => {
    if (redisUrl) await deleteByPrefix(redisUrl, prefix);
  });

  it('4 processes x 100 concurrent calls at $0.003 against $1.00 admit exactly 333', async () => {
    const workers = await launch(4, {
      WORKER_MODE: 'spend',
      WORKER_KEY: 'exact',
      WORKER_COUNT: '100',
      WORKER_AMOUNT: '3000',
      WORKER_ACTUAL: '3000',
      WORKER_CAP: String(CAP),
      WORKER_LEASE_MS: '30000',
    });
    const reports = await Promise.all(workers.map((w) => w.next(30_000)));
    expect(reports.flatMap((r) => r.errors ?? [])).toEqual([]);
    const admitted = reports.reduce((sum, r) => sum + (r.admitted ?? 0), 0);
    expect(admitted).toBe(Math.floor(CAP / 3000));
    expect(reports.reduce((sum, r) => sum + (r.rejected ?? 0), 0)).toBe(400 - admitted);
    const store = await connectRedisCounterStore({ url: redisUrl, keyPrefix: prefix, timeoutMs: 2000 });
    try {
      expect(await store.usage(['exact'], Date.now())).toEqual([admitted * 3000]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('reserving the worst case and settling less never lets settled spend pass the cap', async () => {
    const workers = await launch(4, {
      WORKER_MODE: 'spend',
      WORKER_KEY: 'worst-case',
      WORKER_COUNT: '100',
      WORKER_AMOUNT: '5000',
      WORKER_ACTUAL: '3000',
      WORKER_CAP: String(CAP),
      WORKER_LEASE_MS: '30000',
    });
    const reports = await Promise.all(workers.map((w) => w.next(30_000)));
    expect(reports.flatMap((r) => r.errors ?? [])).toEqual([]);
    const admitted = reports.reduce((sum, r) => sum + (r.admitted ?? 0), 0);
    expect(admitted).toBeGreaterThanOrEqual(CAP / 5000);
    const store = await connectRedisCounterStore({ url: redisUrl, keyPrefix: prefix, timeoutMs: 2000 });
    try {
      const [spent = 0] = await store.usage(['worst-case'], Date.now());
      expect(spent).toBe(admitted * 3000);
      expect(spent).toBeLessThanOrEqual(CAP);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('gives the budget back after the lease when a worker holding reservations is killed', async () => {
    const leaseMs = 1500;
    const [holder] = await launch(1, {
      WORKER_MODE: 'hold',
      WORKER_KEY: 'crash',
      WORKER_COUNT: '50',
      WORKER_AMOUNT: '20000',
      WORKER_ACTUAL: '0',
      WORKER_CAP: String(CAP),
      WORKER_LEASE_MS: String(leaseMs),
    });
    if (holder === undefined) throw new Error('no worker');
    const held = await holder.next(15_000);
    expect(held).toMatchObject({ type: 'holding', admitted: 50, errors: [] });
    const exited = new Promise((resolve) => holder.child.once('exit', resolve));
    holder.child.kill('SIGKILL');
    await exited;

    const store = await connectRedisCounterStore({ url: redisUrl, keyPrefix: prefix, timeoutMs: 2000 });
    try {
      const probe = (id: string) =>
        store.reserve({
          id,
          claims: [{ key: 'crash', amount: CAP, limit: CAP, window: { kind: 'none' } }],
          leaseMs: 30_000,
          now: Date.now(),
        });
      // The dead worker's reservations still hold the whole cap...
      expect(await store.usage(['crash'], Date.now())).toEqual([CAP]);
      const blocked = await probe('probe-blocked');
      expect(blocked.ok).toBe(false);
      // ...until their lease runs out, and not before. Polled: nothing announces an expiry,
      // it is the clock passing (usage() judges leases by the `now` it is given).
      let freedAt = 0;
      await waitFor(
        async () => {
          freedAt = Date.now();
          return (await store.usage(['crash'], freedAt))[0] === 0;
        },
        10_000,
        'the leases to expire',
      );
      expect(freedAt - (held.startedAt ?? Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(leaseMs);
      expect((await probe('probe-after')).ok).toBe(true);
    } finally {
      await store.close();
    }
  }, 60_000);
});
