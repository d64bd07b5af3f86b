// How a non-streamed JSON answer is relayed: whole, with a content-length, when it arrives in
// one piece; chunk by chunk (one behind) when the upstream sends it in pieces.
import { once } from 'node:events';
import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicies } from '../../src/engine/engine.js';
import { startGateway } from '../../src/gateway/start-gateway.js';
import type { CompletionRecord, Gateway } from '../../src/gateway/types.js';
import { DEV_KEY, KEYS, type Stack, startStack } from './harness.js';

const POLICY = compilePolicies([{ policy_name: 'open', rules: [{ type: 'model_access', models: ['gpt-4o-mini'] }] }]);
const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  /** The body as it arrived, one entry per `data` event. */
  chunks: string[];
}

/** Posts a chat call and collects the answer; `onFirstData` runs when the first body bytes arrive. */
function post(url: string, onFirstData?: () => void): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' } }, (res) => {
      const chunks: string[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!chunks.length) onFirstData?.();
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(CHAT);
  });
}

describe('JSON relay', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ policies: POLICY });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('sends an answer that arrived whole with a content-length, not chunked', async () => {
    const reply = await post(stack.gateway.url);
    const body = reply.chunks.join('');
    expect(reply.status).toBe(200);
    expect(reply.headers['transfer-encoding']).toBeUndefined();
    expect(reply.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(JSON.parse(body)).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'Echo: hello' } }] });
    expect(reply.headers['x-request-id']).toMatch(/^req_/);
  });
});

describe('JSON relay of an answer sent in pieces', () => {
  // An upstream that writes a 300 KB JSON answer and holds its last bytes until released. A
  // socket read is at most 64 KB, so the gateway gets the first 300 KB in several chunks.
  const answer = JSON.stringify({
    id: 'chatcmpl-pieces',
    object: 'chat.completion',
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(300_000) }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 11, completion_tokens: 75_000, total_tokens: 75_011 },
  });
  const parts = [answer.slice(0, 150_000), answer.slice(150_000, -100), answer.slice(-100)];
  let releaseLast: () => void = () => {};
  const upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(parts[0]);
      // Separate writes on later turns, so they leave as separate segments.
      setImmediate(() => {
        res.write(parts[1]);
        releaseLast = () => res.end(parts[2]);
      });
    });
  });
  let gateway: Gateway;
  let completed: (record: CompletionRecord) => void = () => {};
  const record = new Promise<CompletionRecord>((resolve) => {
    completed = resolve;
  });

  beforeAll(async () => {
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const { port } = upstream.address() as AddressInfo;
    gateway = await startGateway({
      policies: POLICY,
      keys: KEYS,
      upstreams: { openai: { baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-upstream' } },
      onComplete: (r) => completed(r),
    });
  });
  afterAll(async () => {
    await gateway.close();
    upstream.close();
  });

  it('streams the first parts before the upstream has finished, and delivers the whole answer', async () => {
    // The last part is released only once the client holds the first bytes: relaying must not wait for the end.
    const reply = await post(gateway.url, () => releaseLast());
    expect(reply.status).toBe(200);
    expect(reply.chunks.length).toBeGreaterThan(1);
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(reply.chunks.join('')).toBe(answer);
    // The usage at the end of the body is still read: the call is metered.
    expect((await record).usage).toMatchObject({ inputTokens: 11, outputTokens: 75_000 });
  });
});
