import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { FailoverOptions } from '../../src/gateway/failover.js';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';
import { type Stack, UPSTREAM_OPENAI_KEY, startStack } from './harness.js';
import { rejection } from '../fixtures/rejection.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

interface Setup {
  stack: Stack;
  backup: MockUpstream;
  clock: { now: number };
  sleeps: number[];
}

async function setup(failover: Partial<FailoverOptions> = {}, primaryUrl?: string): Promise<Setup> {
  const backup = await startMockUpstream();
  open.push(backup);
  const clock = { now: Date.now() };
  const sleeps: number[] = [];
  const stack = await startStack({
    now: () => clock.now,
    ...(primaryUrl ? { upstreams: { openai: { baseUrl: `${primaryUrl}/v1`, apiKey: UPSTREAM_OPENAI_KEY } } } : {}),
    failover: {
      upstreams: { backup: { format: 'openai', baseUrl: `${backup.url}/v1`, apiKey: 'sk-backup' } },
      routing: { 'gpt-4o-mini': [{ upstream: 'backup' }, { upstream: 'backup', model: 'gpt-4o' }] },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...failover,
    },
  });
  open.push(stack);
  return { stack, backup, clock, sleeps };
}

const ask = (stack: Stack, extra: Record<string, unknown> = {}) =>
  stack.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra } as never).withResponse() as unknown as Promise<{ data: OpenAI.ChatCompletion; response: Response }>;

describe('provider failover', () => {
  it('fails over to the next upstream and reports every attempt', async () => {
    const { stack, backup } = await setup({ retry: { retriesPerUpstream: 0 } });
    stack.mock.behavior = { failStatus: 503 };
    const { data, response } = await ask(stack);
    expect(data.choices[0]?.message.content).toBe('Echo: hi');
    expect(response.headers.get('x-warden-upstream')).toBe('backup');
    expect(response.headers.get('x-warden-attempts')).toBe('2');
    expect(stack.mock.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(1);
    expect(backup.requests[0]?.headers.authorization).toBe('Bearer sk-backup');
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.upstream).toBe('backup');
    expect(record.attempts).toEqual([
      { upstream: 'openai', model: 'gpt-4o-mini', status: 503, error: 'http_503', durationMs: expect.any(Number) },
      { upstream: 'backup', model: 'gpt-4o-mini', status: 200, durationMs: expect.any(Number) },
    ]);
  });

  it('falls back to another model, rewriting only the model field', async () => {
    const { stack, backup } = await setup({ retry: { retriesPerUpstream: 0 } });
    stack.mock.behavior = { failStatus: 500 };
    backup.behavior = { failStatus: 502 };
    // Both fail; the last fallback (backup, gpt-4o) is relayed as the upstream answered.
    const err = await rejection(ask(stack));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(backup.requests.map((r) => (r.body as { model: string }).model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
    expect(err.headers?.get('x-warden-attempts')).toBe('3');
    backup.behavior = {};
    const { data, response } = await ask(stack);
    expect(response.headers.get('x-warden-upstream')).toBe('backup');
    expect(data.model).toContain('gpt-4o-mini');
  });

  it('retries within the bound and respects Retry-After', async () => {
    let calls = 0;
    const flaky = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        if (calls === 1) {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":{"message":"slow down","type":"rate_limit_error"}}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'after retry' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }));
      });
    });
    flaky.listen(0, '127.0.0.1');
    await once(flaky, 'listening');
    open.push({ close: () => new Promise((r) => flaky.close(() => r())) });
    const { stack, backup, sleeps } = await setup({ retry: { retriesPerUpstream: 2 } }, `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`);
    const { data, response } = await ask(stack);
    expect(data.choices[0]?.message.content).toBe('after retry');
    expect(sleeps).toEqual([1000]);
    expect(calls).toBe(2);
    expect(backup.requests).toHaveLength(0);
    expect(response.headers.get('x-warden-attempts')).toBe('2');
  });

  it('bounds the attempts and passes the last failure through', async () => {
    const { stack, backup, sleeps } = await setup({ retry: { maxAttempts: 3, retriesPerUpstream: 1, baseDelayMs: 50 } });
    stack.mock.behavior = { failStatus: 500 };
    backup.behavior = { failStatus: 500 };
    const err = await rejection(ask(stack));
    expect(err.status).toBe(500);
    expect(stack.mock.requests.length + backup.requests.length).toBe(3);
    expect(stack.mock.requests).toHaveLength(2);
    expect(sleeps).toEqual([50]);
  });

  it('does not retry a Retry-After longer than the bound on the same upstream', async () => {
    const slow = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' }).end('{"error":{"message":"later"}}'));
    });
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    open.push({ close: () => new Promise((r) => slow.close(() => r())) });
    const { stack, backup, sleeps } = await setup({ retry: { retriesPerUpstream: 1, maxDelayMs: 500 } }, `http://127.0.0.1:${(slow.address() as AddressInfo).port}`);
    const { response } = await ask(stack);
    expect(response.headers.get('x-warden-upstream')).toBe('backup');
    expect(sleeps).toEqual([]);
    expect(backup.requests).toHaveLength(1);
  });

  it('opens the circuit after consecutive failures, half-opens after the cool-down, and closes on success', async () => {
    const { stack, backup, clock } = await setup({ retry: { retriesPerUpstream: 0 }, breaker: { failureThreshold: 2, coolDownMs: 10_000 } });
    stack.mock.behavior = { failStatus: 500 };
    await ask(stack);
    await ask(stack);
    expect(stack.mock.requests).toHaveLength(2);

    // Open: the primary is skipped without a call.
    const { response } = await ask(stack);
    expect(stack.mock.requests).toHaveLength(2);
    const skipped = await stack.record(response.headers.get('x-request-id') as string);
    expect(skipped.attempts?.[0]).toMatchObject({ upstream: 'openai', error: 'circuit_open', status: null });
    expect(response.headers.get('x-warden-attempts')).toBe('1');

    // Half-open after the cool-down: one probe; it fails, so the circuit opens again.
    clock.now += 10_000;
    await ask(stack);
    expect(stack.mock.requests).toHaveLength(3);
    await ask(stack);
    expect(stack.mock.requests).toHaveLength(3);

    // Next probe succeeds: closed again, the primary serves.
    clock.now += 10_000;
    stack.mock.reset();
    const probe = await ask(stack);
    expect(probe.response.headers.get('x-warden-upstream')).toBe('openai');
    const after = await ask(stack);
    expect(after.response.headers.get('x-warden-upstream')).toBe('openai');
    expect(stack.mock.requests).toHaveLength(2);
    // Two failovers while closed, one while open, one after the failed probe, one more while open.
    expect(backup.requests.length).toBe(5);
  });

  it('answers 503 with Retry-After when every circuit is open', async () => {
    const { stack, backup } = await setup({ routing: { 'gpt-4o-mini': [{ upstream: 'backup' }] }, retry: { retriesPerUpstream: 0 }, breaker: { failureThreshold: 1, coolDownMs: 20_000 } });
    stack.mock.behavior = { failStatus: 500 };
    backup.behavior = { failStatus: 500 };
    await rejection(ask(stack));
    const err = await rejection(ask(stack));
    expect(err.status).toBe(503);
    expect(err.code).toBe('upstream_unavailable');
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThanOrEqual(19);
    expect(stack.mock.requests.length + backup.requests.length).toBe(2);
  });

  it('never retries once the stream has started', async () => {
    const { stack, backup } = await setup({ retry: { retriesPerUpstream: 2 } });
    stack.mock.behavior = { chunkDelayMs: 150 };
    const stream = await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two three four five six' }] });
    let chunks = 0;
    const failure = (async () => {
      for await (const _ of stream) {
        chunks++;
        if (chunks === 1) void stack.mock.close();
      }
    })().catch((err: unknown) => err);
    await failure;
    expect(chunks).toBeGreaterThanOrEqual(1);
    expect(backup.requests).toHaveLength(0);
    expect(stack.mock.requests).toHaveLength(1);
  });

  it('rejects a fallback to an upstream that is not configured', async () => {
    await expect(setup({ routing: { 'gpt-4o-mini': [{ upstream: 'backup' }, { upstream: 'nowhere' }] } })).rejects.toThrow('routing.gpt-4o-mini[1]: no upstream named "nowhere"');
  });
});
