// Reserve + settle throughput of the counter stores, and Redis round trips per request.
// Standalone: `npx tsx bench/counters.ts` (REDIS_URL defaults to redis://127.0.0.1:6379).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import type { Claim, CounterStore } from '../src/counters/counter-store.js';
import { createMemoryCounterStore } from '../src/counters/memory/memory-store.js';
import { connectRedisCounterStore } from '../src/counters/redis/redis-store.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION_MS = Number(process.env.BENCH_MS ?? 3000);
const resetAt = Date.UTC(2100, 0, 1);

/** A key within a team within an org: the hierarchy a gateway call reserves against. */
function claims(n: 1 | 3): Claim[] {
  return ['budget:key:k1', 'budget:team:t1', 'budget:org:o1'].slice(0, n).map((key) => ({
    key,
    amount: 5_000,
    limit: Number.MAX_SAFE_INTEGER,
    window: { kind: 'fixed', resetAt },
  }));
}

interface Row {
  store: string;
  inFlight: number;
  claims: number;
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
}

let seq = 0;

async function measure(store: CounterStore, name: string, inFlight: number, n: 1 | 3): Promise<Row> {
  const cs = claims(n);
  const actual = cs.map(() => 3_000);
  const latencies: number[] = [];
  const one = async (): Promise<void> => {
    const id = `bench-${++seq}`;
    const started = performance.now();
    const now = Date.now();
    const result = await store.reserve({ id, claims: cs, leaseMs: 60_000, now });
    if (!result.ok) throw new Error('bench reservation rejected');
    await store.settle(id, actual, now);
    latencies.push((performance.now() - started) * 1000);
  };
  // Warm up (JIT, script load) before timing.
  for (let i = 0; i < 200; i++) await one();
  latencies.length = 0;
  const deadline = performance.now() + DURATION_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    store: name,
    inFlight,
    claims: n,
    opsPerSec: Math.round((latencies.length / elapsed) * 1000),
    p50Us: Math.round(at(0.5)),
    p99Us: Math.round(at(0.99)),
  };
}

/** Commands the store's own connection sends per reserve + settle, counted with MONITOR. */
async function roundTrips(url: string, prefix: string): Promise<{ perRequest: number; names: string }> {
  const store = await connectRedisCounterStore({ url, keyPrefix: prefix, timeoutMs: 2000 });
  const admin = new Redis(url);
  const monitor = await admin.monitor();
  const port = store.client.stream?.localPort;
  let commands = 0;
  const names = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (!source.endsWith(`:${port}`)) return;
    commands++;
    const name = String(args[0]).toLowerCase();
    names.set(name, (names.get(name) ?? 0) + 1);
  });
  const cs = claims(3);
  // MONITOR lines arrive late under load: wait for what we sent, then a little longer for strays.
  const seen = async (n: number): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (commands < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));
  };
  await store.reserve({ id: 'rt-warm', claims: cs, leaseMs: 60_000, now: Date.now() });
  await store.settle('rt-warm', [1, 1, 1], Date.now());
  await seen(2);
  commands = 0;
  names.clear();
  const requests = 100;
  for (let i = 0; i < requests; i++) {
    await store.reserve({ id: `rt-${i}`, claims: cs, leaseMs: 60_000, now: Date.now() });
    await store.settle(`rt-${i}`, [1, 1, 1], Date.now());
  }
  await seen(2 * requests);
  // Snapshot before closing, so the store's QUIT is not counted.
  const result = { perRequest: commands / requests, names: [...names].map(([n, c]) => `${n} x${c}`).join(', ') };
  monitor.disconnect();
  admin.disconnect();
  await store.close();
  return result;
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

const rows: Row[] = [];
const memory = createMemoryCounterStore();
for (const [inFlight, n] of [[1, 1], [1, 3], [50, 3]] as const) rows.push(await measure(memory, 'memory', inFlight, n));

let trips: { perRequest: number; names: string } | undefined;
const prefix = `warden-bench:${randomBytes(4).toString('hex')}:`;
try {
  const redis = await connectRedisCounterStore({ url: REDIS_URL, keyPrefix: prefix, timeoutMs: 2000 });
  for (const [inFlight, n] of [[1, 1], [1, 3], [50, 1], [50, 3]] as const) {
    rows.push(await measure(redis, 'redis', inFlight, n));
  }
  await redis.close();
  trips = await roundTrips(REDIS_URL, prefix);
} catch (error) {
  console.error(`Redis rows skipped (${REDIS_URL}): ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await deletePrefix(REDIS_URL, prefix).catch(() => undefined);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`Counter store bench, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${cpu}), Node ${process.versions.node}, ${DURATION_MS} ms per row\n`);
console.log('| store | in flight | claims | reserve+settle/s | p50 µs | p99 µs |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.store} | ${r.inFlight} | ${r.claims} | ${r.opsPerSec.toLocaleString('en-US')} | ${r.p50Us} | ${r.p99Us} |`);
}
if (trips !== undefined) {
  console.log(`\nRedis commands per request (reserve + settle, 3 claims, MONITOR): ${trips.perRequest} (${trips.names})`);
}
