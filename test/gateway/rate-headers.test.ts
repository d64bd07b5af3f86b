import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, type Stack, post, startStack } from './harness.js';

let stack: Stack;
beforeAll(async () => {
  // A fixed clock: the one-minute windows must not roll over mid-test.
  const fixed = Date.now();
  stack = await startStack({ now: () => fixed, rateLimit: { requestsPerMinute: 100, unauthenticatedPerMinute: 3 }, limits: { maxBodyBytes: 1024 } });
});
afterAll(async () => {
  await stack.close();
});

function expectHeaders(headers: Headers, limit: string): void {
  expect(headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
  expect(headers.get('ratelimit-limit')).toBe(limit);
  expect(Number(headers.get('ratelimit-remaining'))).toBeGreaterThanOrEqual(0);
  expect(Number(headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
}

describe('rate-limit and request-id headers on every response', () => {
  it('on /healthz, without spending the window', async () => {
    const res = await fetch(`${stack.gateway.url}/healthz`);
    expect(res.status).toBe(200);
    expectHeaders(res.headers, '3');
    expect(res.headers.get('ratelimit-remaining')).toBe('3');
  });

  it('on 413 and success (the key window)', async () => {
    const big = await post(`${stack.gateway.url}/v1/chat/completions`, JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(2000) }] }));
    expect(big.status).toBe(413);
    expectHeaders(big.headers, '100');
    const ok = await post(`${stack.gateway.url}/v1/chat/completions`, JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(ok.status).toBe(200);
    expectHeaders(ok.headers, '100');
  });

  it('counts 401 and 404 per client IP, then answers 429 before looking at the key', async () => {
    const unknown = await fetch(`${stack.gateway.url}/v1/nope`, { headers: { authorization: `Bearer ${DEV_KEY}` } });
    expect(unknown.status).toBe(404);
    expectHeaders(unknown.headers, '3');
    expect(unknown.headers.get('ratelimit-remaining')).toBe('2');

    const wrong = await post(`${stack.gateway.url}/v1/chat/completions`, '{}', { authorization: 'Bearer wk_wrong_0000000000000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('ratelimit-remaining')).toBe('1');
    const admin = await fetch(`${stack.gateway.url}/api/v1/approvals`);
    expect([401, 403]).toContain(admin.status);
    expectHeaders(admin.headers, '3');

    const wrongAgain = await post(`${stack.gateway.url}/v1/chat/completions`, '{}', { authorization: 'Bearer wk_wrong_1111111111111111' });
    expect(wrongAgain.status).toBe(401);
    expect(wrongAgain.headers.get('ratelimit-remaining')).toBe('0');

    const throttled = await post(`${stack.gateway.url}/v1/chat/completions`, '{}', { authorization: 'Bearer wk_wrong_2222222222222222' });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expectHeaders(throttled.headers, '3');
    // Even the right key waits: a guesser learns nothing from an exhausted address.
    const right = await post(`${stack.gateway.url}/v1/chat/completions`, JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(right.status).toBe(429);
    const health = await fetch(`${stack.gateway.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('ratelimit-remaining')).toBe('0');
  });
});
