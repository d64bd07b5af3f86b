// A $1.00 budget must hold across OS processes: two gateway replicas and two SDK processes
// sharing one Redis, 400 calls at once, $0.01 each: exactly 100 admitted, never more spent.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedisCounterStore } from '../../src/counters/redis/redis-store.js';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';
import { deleteByPrefix, randomPrefix, redisUrlOrWarn } from '../fixtures/counters/redis-test-env.js';
import { type JsonLinesWorker, startJsonLinesWorker } from '../fixtures/json-lines-worker.js';

const url = redisUrlOrWarn('the cross-process budget suite (test/budgets/multiprocess.test.ts)');
const WORKER = fileURLToPath(new URL('./fixtures/budget-worker.ts', import.meta.url));
const KEY = 'wk_multi_0123456789abcdef';
const PER_PROCESS = 100;

interface Report {
  type: 'ready' | 'done';
  url?: string;
  admitted?: number;
  refused?: number;
  errors?: string[];
}

type Worker = JsonLinesWorker<Report>;

function startWorker(env: Record<string, string>): Worker {
  return startJsonLinesWorker<Report>(WORKER, env);
}

const workers: Worker[] = [];
let mock: MockUpstream | undefined;
const prefix = randomPrefix('budgets-multiprocess');

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await mock?.close();
  if (url) await deleteByPrefix(url, prefix);
});

describe.skipIf(!url)('budgets across OS processes (Redis)', () => {
  it('2 gateway replicas + 2 SDK processes, 400 calls at a $1.00 budget: exactly 100 admitted', { timeout: 60_000 }, async () => {
    mock = await startMockUpstream();
    const common = { REDIS_URL: url as string, WORKER_PREFIX: prefix, WORKER_KEY: KEY, MOCK_URL: mock.url, WORKER_COUNT: String(PER_PROCESS) };
    const gateways = [startWorker({ ...common, WORKER_MODE: 'gateway' }), startWorker({ ...common, WORKER_MODE: 'gateway' })];
    const sdks = [startWorker({ ...common, WORKER_MODE: 'sdk' }), startWorker({ ...common, WORKER_MODE: 'sdk' })];
    workers.push(...gateways, ...sdks);
    const ready = await Promise.all(workers.map((w) => w.next(30_000)));
    const urls = ready.slice(0, 2).map((r) => r.url as string);

    const viaGateway = async (base: string): Promise<'admitted' | 'refused' | string> => {
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = (await res.json()) as { error?: { code?: string } };
      if (res.status === 200) return 'admitted';
      if (res.status === 429 && body.error?.code === 'budget_exceeded') return 'refused';
      return `${res.status} ${JSON.stringify(body).slice(0, 200)}`;
    };
    for (const w of sdks) w.child.stdin?.write('go\n');
    const gatewayResults = await Promise.all(urls.flatMap((u) => Array.from({ length: PER_PROCESS }, () => viaGateway(u))));
    const sdkReports = await Promise.all(sdks.map((w) => w.next(45_000)));
    for (const w of gateways) w.child.stdin?.write('stop\n');

    const unexpected = [...gatewayResults.filter((r) => r !== 'admitted' && r !== 'refused'), ...sdkReports.flatMap((r) => r.errors ?? [])];
    expect(unexpected).toEqual([]);
    const admitted = gatewayResults.filter((r) => r === 'admitted').length + sdkReports.reduce((n, r) => n + (r.admitted ?? 0), 0);
    const refused = gatewayResults.filter((r) => r === 'refused').length + sdkReports.reduce((n, r) => n + (r.refused ?? 0), 0);
    expect(admitted).toBe(100);
    expect(refused).toBe(300);
    expect(mock.requests.length).toBe(gatewayResults.filter((r) => r === 'admitted').length);
    // Every admitted call settled at exactly $0.01: the budget is spent to the micro-dollar, not past it.
    const store = await connectRedisCounterStore({ url: url as string, keyPrefix: prefix, timeoutMs: 5_000 });
    try {
      expect(await store.usage(['budget:usd:org:acme:total'], Date.now())).toEqual([1_000_000]);
    } finally {
      await store.close();
    }
  });
});
