// Budgets and limits through the real gateway, with the official OpenAI SDK and the mock
// upstream: refusals answer in the caller's wire format and never reach the provider.
import { once } from 'node:events';
import { createServer } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCounterStore, createRedisCounterStore, usdToMicros } from '../../src/counters/index.js';
import type { CounterStore } from '../../src/counters/index.js';
import { compilePolicies, createPricing } from '../../src/engine/engine.js';
import { hashVirtualKey } from '../../src/gateway/auth.js';
import { KEYS, type Stack, startStack } from '../gateway/harness.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
// One output token costs $0.01; input is free. A call with max_tokens 1 reserves exactly $0.01.
const PRICES = { 'gpt-4o-mini': { input_per_mtok: 0, output_per_mtok: 10_000 }, 'claude-3-5-haiku-latest': { input_per_mtok: 0, output_per_mtok: 10_000 } };
const TEAM_DAY = 'budget:usd:team:acme/search:day:2026-11-22';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(rules: unknown[], counters: CounterStore = createMemoryCounterStore(), extra: Record<string, unknown> = {}): Promise<Stack> {
  stack = await startStack({
    policies: compilePolicies([{ policy_name: 'spend', rules }], { priceOverrides: PRICES }),
    pricing: createPricing(PRICES),
    counters,
    now: () => NOW,
    ...extra,
  });
  return stack;
}

const ask = (s: Stack, content = 'hi', maxTokens = 1) => s.openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: maxTokens, messages: [{ role: 'user', content }] });

describe('gateway budgets', () => {
  it('settles the actual cost, then refuses with 429 budget_exceeded and Retry-After, without calling the upstream', async () => {
    const counters = createMemoryCounterStore();
    const s = await start([{ type: 'budget', scope: 'team', window: 'day', max_usd: 0.1 }], counters);
    const { data, response } = await ask(s).withResponse();
    const record = await s.record(response.headers.get('x-request-id') as string);
    expect(record.counters).toEqual({ outcome: 'settled' });
    // Reserved $0.01 (max_tokens 1); the mock answered with more tokens: the actual cost counts.
    expect(record.costUsd).toBeCloseTo((data.usage?.completion_tokens ?? 0) * 0.01, 10);
    expect(await counters.usage([TEAM_DAY], NOW)).toEqual([usdToMicros(record.costUsd as number, 'nearest')]);

    let refused: unknown;
    for (let i = 0; i < 20 && !refused; i++) await ask(s).catch((err: unknown) => (refused = err));
    const upstreamCalls = s.mock.requests.length;
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const err = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err.status).toBe(429);
    expect(err.headers.get('retry-after')).toBe(String(12 * 3600));
    expect(err.headers.get('x-should-retry')).toBe('false');
    expect(err.code).toBe('budget_exceeded');
    expect(err.message).toContain('budget of $0.10 per day for team:acme/search would be passed');
    expect((err.error as { warden?: { rule?: string; decision?: string } }).warden).toMatchObject({ rule: 'budget', decision: 'throttle' });
    await expect(ask(s)).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    expect(s.mock.requests.length).toBe(upstreamCalls);
    const [spent] = await counters.usage([TEAM_DAY], NOW);
    expect(spent).toBeLessThanOrEqual(usdToMicros(0.1, 'nearest') + usdToMicros(0.05, 'nearest'));
  });

  it('settles a streamed call from the usage chunk it asked the upstream for', async () => {
    const counters = createMemoryCounterStore();
    const s = await start([{ type: 'budget', scope: 'team', window: 'day', max_usd: 10 }], counters);
    const stream = await s.openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'stream me' }] }).withResponse();
    for await (const _chunk of stream.data) void _chunk;
    const record = await s.record(stream.response.headers.get('x-request-id') as string);
    expect(record.counters).toEqual({ outcome: 'settled' });
    expect(record.costUsd).toBeGreaterThan(0);
    expect(await counters.usage([TEAM_DAY], NOW)).toEqual([usdToMicros(record.costUsd as number, 'nearest')]);
  });

  it('releases the reservation when the upstream fails', async () => {
    const counters = createMemoryCounterStore();
    const s = await start([{ type: 'budget', scope: 'team', window: 'day', max_usd: 10 }], counters);
    s.mock.behavior = { failStatus: 500 };
    await expect(ask(s)).rejects.toMatchObject({ status: 500 });
    expect(s.records.at(-1)?.counters).toEqual({ outcome: 'released' });
    expect(await counters.usage([TEAM_DAY], NOW)).toEqual([0]);
  });

  it('releases the reservation when the client goes away mid-stream, and aborts the upstream call', async () => {
    const counters = createMemoryCounterStore();
    const s = await start([{ type: 'budget', scope: 'team', window: 'day', max_usd: 10 }], counters);
    s.mock.behavior = { chunkDelayMs: 1_000 };
    const aborted = once(s.mock.events, 'aborted');
    const controller = new AbortController();
    const stream = await s.openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'a long story' }] }, { signal: controller.signal });
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    // Held while the stream runs: the call's worst case ($0.50 at $0.01 per output token).
    expect(await counters.usage([TEAM_DAY], NOW)).toEqual([usdToMicros(0.5, 'nearest')]);
    controller.abort();
    await aborted;
    await s.recordCount(1);
    expect(s.records[0]).toMatchObject({ clientAborted: true, counters: { outcome: 'released' } });
    expect(await counters.usage([TEAM_DAY], NOW)).toEqual([0]);
  });

  it('sends RateLimit-* headers from rate_limit rules and answers 429 rate_limited past the limit', async () => {
    const s = await start([{ type: 'rate_limit', requests_per_minute: 3 }], createMemoryCounterStore(), { rateLimit: false });
    const first = await ask(s).withResponse();
    expect(first.response.headers.get('ratelimit-limit')).toBe('3');
    expect(first.response.headers.get('ratelimit-remaining')).toBe('2');
    expect(first.response.headers.get('ratelimit-reset')).toBe('60');
    await ask(s);
    await ask(s);
    const err = await ask(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limited');
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('60');
  });

  it('the default per-key limit yields to a rate_limit rule on the key', async () => {
    const s = await start([{ type: 'rate_limit', requests_per_minute: 4 }], createMemoryCounterStore(), { rateLimit: { requestsPerMinute: 2 } });
    for (let i = 0; i < 4; i++) await ask(s, `q${i}`);
    await expect(ask(s, 'q5')).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
  });

  it('limits calls in flight per key, and frees the slot when a call ends', async () => {
    const s = await start([{ type: 'rate_limit', concurrent: 1 }]);
    s.mock.behavior = { delayMs: 300 };
    const results = await Promise.allSettled([ask(s, 'one'), ask(s, 'two')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ status: 429, code: 'rate_limited' });
    s.mock.behavior = {};
    await expect(ask(s, 'three')).resolves.toBeDefined();
  });

  it('refuses a duplicate request and says when it may be retried', async () => {
    const s = await start([{ type: 'dedup_guard', ttl_seconds: 60 }]);
    await ask(s, 'same question');
    const err = (await ask(s, 'same question').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('duplicate_request');
    expect(err.message).toContain('it may be retried in 60 s');
    expect(err.headers.get('retry-after')).toBe('60');
    await ask(s, 'another question');
    expect(s.mock.requests.length).toBe(2);
  });

  it("enforces a key's own max_budget and tpm_limit with the policies' budgets", async () => {
    const key = 'wk_budget_0123456789abcdef';
    const keys = [...KEYS, { id: 'key_budget', sha256: hashVirtualKey(key), org: 'acme', team: 'search', maxBudgetUsd: 0.02, budgetDuration: '1d' }];
    const s = await start([{ type: 'budget', scope: 'team', window: 'day', max_usd: 10 }], createMemoryCounterStore(), { keys });
    const client = new OpenAI({ baseURL: `${s.gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1, messages: [{ role: 'user', content: 'a' }] });
    const err = (await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1, messages: [{ role: 'user', content: 'b' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('budget_exceeded');
    expect(err.message).toContain('key:acme/key_budget');
    // The dev key of the same team is not affected by another key's budget.
    await expect(ask(s)).resolves.toBeDefined();
  });

  it('answers 503 counter_store_unavailable when Redis is unreachable, and fails open where a rule says so', async () => {
    const port = await closedPort();
    const redis = createRedisCounterStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200, timeoutMs: 50 });
    try {
      const s = await start([{ type: 'budget', scope: 'team', window: 'day', max_usd: 10 }], redis);
      const err = (await ask(s).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.InternalServerError>;
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect(err.status).toBe(503);
      expect(err.code).toBe('counter_store_unavailable');
      expect(err.message).toContain('counter store is unreachable');
      // The same refusal in Anthropic's wire format.
      const viaAnthropic = (await s.anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as { status?: number; error?: { type?: string; error?: { type?: string; message?: string } } };
      expect(viaAnthropic.status).toBe(503);
      expect(viaAnthropic.error?.type).toBe('error');
      expect(viaAnthropic.error?.error?.message).toContain('counter store is unreachable');
      expect(s.mock.requests).toHaveLength(0);
      await stack?.close();
      const open = await start([{ type: 'budget', scope: 'team', window: 'day', max_usd: 10, fail_open: true }], redis);
      await expect(ask(open)).resolves.toBeDefined();
      expect(open.records.at(-1)?.counters?.outcome).toBe('unmetered');
    } finally {
      await redis.close();
    }
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
