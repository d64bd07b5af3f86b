import { once } from 'node:events';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compilePolicies } from '../../src/engine/engine.js';
import { DEV_KEY, LIMITED_KEY, type Stack, post, startStack } from './harness.js';

let stack: Stack;
let swapped: ReturnType<typeof compilePolicies> | undefined;
const base = compilePolicies([{ policy_name: 'open', rules: [{ type: 'model_access', models: ['gpt-4o-mini', 'claude-3-5-haiku-latest'] }] }]);

beforeAll(async () => {
  stack = await startStack({ policies: () => swapped ?? base, limits: { maxBodyBytes: 64 * 1024 } });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.mock.reset();
  swapped = undefined;
});

const chat = (content = 'hi', model = 'gpt-4o-mini') => JSON.stringify({ model, messages: [{ role: 'user', content }] });

describe('gateway edge behaviour', () => {
  it('answers /healthz', async () => {
    const res = await fetch(`${stack.gateway.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers unknown routes 404 in the wire format, with a request id', async () => {
    const res = await fetch(`${stack.gateway.url}/v1/nope`, { headers: { authorization: `Bearer ${DEV_KEY}` } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({ error: { type: 'not_found_error', code: 'not_found' } });
    const anthropic = await post(`${stack.gateway.url}/v1/messages/batches`, '{}');
    expect(anthropic.status).toBe(404);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('accepts the key as x-api-key too', async () => {
    const res = await post(`${stack.gateway.url}/v1/chat/completions`, chat(), { authorization: '', 'x-api-key': DEV_KEY });
    expect(res.status).toBe(200);
  });

  it('refuses malformed JSON, invalid UTF-8, empty bodies and wrong types with 400, never 5xx', async () => {
    const url = `${stack.gateway.url}/v1/chat/completions`;
    const cases: (string | Buffer)[] = ['{', '', '[]', 'null', '{"model":1,"messages":[]}', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), `${'['.repeat(100)}${']'.repeat(100)}`];
    for (const body of cases) {
      const res = await post(url, body);
      expect(res.status, String(body)).toBe(400);
      expect(res.json).toMatchObject({ error: { type: 'invalid_request_error' } });
    }
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('does not echo the body in a JSON parse error', async () => {
    const res = await post(`${stack.gateway.url}/v1/chat/completions`, '{"messages": sk-live-abcdef0123456789}');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).not.toContain('sk-live');
  });

  it('refuses a body over the limit with 413 (declared or streamed)', async () => {
    const big = chat('x'.repeat(70 * 1024));
    const res = await post(`${stack.gateway.url}/v1/chat/completions`, big);
    expect(res.status).toBe(413);
    const anthropic = await post(`${stack.gateway.url}/v1/messages`, big, { 'anthropic-version': '2023-06-01' });
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });

    // Chunked, no content-length: refused once the limit is passed.
    const req = request(`${stack.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' } });
    req.write('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"');
    for (let i = 0; i < 80; i++) req.write('y'.repeat(1024));
    req.end();
    const [response] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    expect(response.statusCode).toBe(413);
    response.resume();
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('refuses a non-JSON content type with 415 and bad x-warden-labels with 400', async () => {
    const url = `${stack.gateway.url}/v1/chat/completions`;
    expect((await post(url, chat(), { 'content-type': 'multipart/form-data; boundary=x' })).status).toBe(415);
    for (const labels of ['not json', '[1]', '{"a":1}']) {
      const res = await post(url, chat(), { 'x-warden-labels': labels });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { param: 'x-warden-labels' } });
    }
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('passes labels, session and mission to the engine', async () => {
    const res = await post(`${stack.gateway.url}/v1/chat/completions`, chat(), { 'x-warden-labels': '{"feature":"search"}', 'x-warden-session-id': 's-1', 'x-warden-mission-id': 'm-1' });
    expect(res.status).toBe(200);
    const record = await stack.record(res.headers.get('x-request-id') as string);
    expect(record.decision?.requestId).toBe(record.requestId);
    expect(stack.records.length).toBeGreaterThan(0);
  });

  it('applies a swapped policy set at once', async () => {
    expect((await post(`${stack.gateway.url}/v1/chat/completions`, chat())).status).toBe(200);
    swapped = compilePolicies([{ policy_name: 'closed', rules: [{ type: 'model_access', models: ['claude-3-5-haiku-latest'] }] }]);
    const res = await post(`${stack.gateway.url}/v1/chat/completions`, chat());
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: { warden: { policy: 'closed' } } });
  });

  it('limits requests per key per minute with 429, Retry-After and RateLimit headers', async () => {
    const url = `${stack.gateway.url}/v1/chat/completions`;
    const first = await post(url, chat(), { authorization: `Bearer ${LIMITED_KEY}` });
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    await post(url, chat(), { authorization: `Bearer ${LIMITED_KEY}` });
    const third = await post(url, chat(), { authorization: `Bearer ${LIMITED_KEY}` });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(third.headers.get('ratelimit-remaining')).toBe('0');
    expect(third.json).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limited' } });
    expect(stack.mock.requests).toHaveLength(2);
  });

  it('aborts the upstream call when the client goes away mid-stream', async () => {
    stack.mock.behavior = { chunkDelayMs: 1_000 };
    const aborted = once(stack.mock.events, 'aborted');
    const controller = new AbortController();
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'a long story' }] }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await aborted;
    const record = await stack.record(res.headers.get('x-request-id') as string);
    expect(record.clientAborted).toBe(true);
  });

  it('answers 504 in the wire format when the upstream is too slow to answer', async () => {
    const slow = await startStack({ limits: { headersTimeoutMs: 50 } });
    try {
      slow.mock.behavior = { delayMs: 2_000 };
      const res = await post(`${slow.gateway.url}/v1/messages`, JSON.stringify({ model: 'claude-3-5-haiku-latest', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }));
      expect(res.status).toBe(504);
      expect(res.json).toMatchObject({ type: 'error', error: { type: 'timeout_error', code: 'upstream_timeout' } });
    } finally {
      await slow.close();
    }
  });
});
