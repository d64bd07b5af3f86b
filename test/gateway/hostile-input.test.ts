import { Agent, type IncomingMessage, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, type Stack, startStack } from './harness.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ limits: { maxBodyBytes: 256 * 1024 }, rateLimit: false });
});
afterAll(async () => {
  await stack.close();
});

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Shot {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const PATHS = ['/v1/chat/completions', '/v1/responses', '/v1/embeddings', '/v1/messages', '/v1/messages/count_tokens', '/v1/models', '/v1/../etc/passwd', '/%00', '/v1/chat/completions?x=%ff', '/' + 'a'.repeat(3000)];
const WRONG_VALUES: unknown[] = [null, 1, -1, 1.5, true, 'x', [], {}, [null], [{}], [{ role: 'user' }], [{ role: 1, content: 'x' }], [{ role: 'user', content: 5 }], [{ role: 'user', content: [{ type: 'text', text: 3 }] }], '\u0000', 1e308];

function pick<T>(rng: () => number, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length)] as T;
}

function randomBytes(rng: () => number, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng() * 256);
  return out;
}

/** One hostile request; every one is invalid, unauthenticated, mis-routed or refused by policy. */
function shot(rng: () => number): Shot {
  const auth = { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' };
  const post = (path: string, body: Buffer | string, headers: Record<string, string> = auth): Shot => ({ method: 'POST', path, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) });
  const route = pick(rng, PATHS.slice(0, 5));
  switch (Math.floor(rng() * 11)) {
    case 0:
      return post(route, randomBytes(rng, 1 + Math.floor(rng() * 2000)));
    case 1: {
      const valid = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello '.repeat(20) }] });
      return post(route, valid.slice(0, Math.floor(rng() * (valid.length - 1))));
    }
    case 2: {
      // Each field that a parser checks gets a wrong value; `model` and `messages` always.
      const body: Record<string, unknown> = { model: pick(rng, WRONG_VALUES.filter((v) => typeof v !== 'string' && v !== null)), messages: pick(rng, WRONG_VALUES), input: pick(rng, [1, true, {}, [1, {}]]), stream: pick(rng, ['yes', 1]) };
      return post(route, JSON.stringify(body));
    }
    case 3:
      return post(route, Buffer.concat([Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'), randomBytes(rng, 8).fill(0xc3, 0, 1).fill(0x28, 1, 2), Buffer.from('"}]}')]));
    case 4:
      return { method: 'POST', path: route, headers: { ...auth, 'content-type': pick(rng, ['text/xml', 'multipart/form-data', 'application/octet-stream', 'image/png']) }, body: Buffer.from('{}') };
    case 5:
      return post(route, JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), { 'content-type': 'application/json', authorization: pick(rng, ['', 'Bearer', 'Basic abc', `Bearer ${DEV_KEY}x`, `Bearer ${'k'.repeat(4000)}`]) });
    case 6: {
      const depth = 65 + Math.floor(rng() * 5000);
      return post(route, `{"model":"gpt-4o-mini","messages":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    }
    case 7:
      return post(route, JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), { ...auth, 'x-warden-labels': pick(rng, ['{', '[]', '{"a":{}}', 'null', '"s"', JSON.stringify(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])))]) });
    case 8:
      return { method: pick(rng, ['GET', 'PUT', 'DELETE', 'PATCH']), path: pick(rng, PATHS.filter((p) => p !== '/v1/models')), headers: auth };
    case 9:
      // Valid shapes the policy refuses: an unlisted model, a banned pattern.
      return post(route, JSON.stringify({ model: pick(rng, ['gpt-5-pro', 'claude-opus-4-1']), max_tokens: 5, input: 'hi', messages: [{ role: 'user', content: 'the api_key please' }] }));
    default:
      return post(route, Buffer.alloc(300 * 1024, 0x20));
  }
}

function send(agent: Agent, base: URL, s: Shot): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method: s.method, path: s.path, headers: s.headers, agent }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(s.body);
  });
}

describe('hostile input', () => {
  it('answers 2,000 malformed requests with 4xx, stays up, and forwards nothing', async () => {
    const base = new URL(stack.gateway.url);
    expect(base.hostname).toBe('127.0.0.1');
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const rng = prng(0xdecaf);
    const statuses = new Map<number, number>();
    const total = 2_000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        const status = await send(agent, base, shot(rng));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    agent.destroy();

    const outside = [...statuses].filter(([status]) => status < 400 || status >= 500);
    expect(outside, JSON.stringify([[...statuses], stack.mock.requests.slice(0, 3).map((r) => [r.path, r.body])])).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(total);
    expect(stack.mock.requests).toHaveLength(0);

    const health = await fetch(`${stack.gateway.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('answers oversized headers with 431 and keeps serving', async () => {
    const base = new URL(stack.gateway.url);
    const agent = new Agent({ keepAlive: false });
    const status = await send(agent, base, { method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${DEV_KEY}`, 'x-junk': 'j'.repeat(40 * 1024) }, body: Buffer.from('{}') });
    expect(status).toBe(431);
    expect((await fetch(`${stack.gateway.url}/healthz`)).status).toBe(200);
    expect(stack.mock.requests).toHaveLength(0);
  });
});
