// "No delivered response lacks its audit record": the gateway holds the end of every
// decided response (JSON or stream, allowed or refused) until the audit append resolved,
// and cuts the response when the append fails.
import { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionRecord } from '../../src/gateway/types.js';
import { DEV_KEY, type Stack, startStack } from '../gateway/harness.js';

let stack: Stack;
const appended = new Map<string, number>();
let failNext = false;
// What happened to each request id, in order, inside this process: 'appended' when the audit
// hook resolved, 'ended' when the gateway's response really ended (ServerResponse#end ran).
// A gateway that did not hold the end would show 'ended' first, whatever the timing.
const events = new Map<string, string[]>();
const note = (requestId: string, event: string) => events.set(requestId, [...(events.get(requestId) ?? []), event]);
const realEnd = ServerResponse.prototype.end;

beforeAll(async () => {
  ServerResponse.prototype.end = function end(this: ServerResponse, ...args: unknown[]) {
    const id = this.getHeader('x-request-id');
    if (typeof id === 'string') note(id, 'ended');
    return (realEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['end'];
  stack = await startStack({
    audit: async (record: CompletionRecord) => {
      // Resolve on a later turn, as a store write does: a gateway that started the append
      // without waiting for it would end the response first.
      await new Promise((r) => setImmediate(r));
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      appended.set(record.requestId, Date.now());
      note(record.requestId, 'appended');
    },
  });
});
afterAll(async () => {
  ServerResponse.prototype.end = realEnd;
  await stack.close();
});

async function call(body: Record<string, unknown>): Promise<{ status: number; id: string; doneAt: number; text: string }> {
  const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, id: res.headers.get('x-request-id') as string, doneAt: Date.now(), text };
}

describe('audit before the response completes', () => {
  it('a JSON reply, a stream and a refusal each end only after their record was appended', async () => {
    const results = await Promise.all([
      call({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      call({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      call({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my api_key' }] }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 403]);
    expect(results[1]!.text).toContain('[DONE]');
    for (const r of results) {
      const at = appended.get(r.id);
      expect(at, r.id).toBeDefined();
      expect(r.doneAt).toBeGreaterThanOrEqual(at as number);
      expect(events.get(r.id), r.id).toEqual(['appended', 'ended']);
    }
  });

  it('cuts the response when the record cannot be stored', async () => {
    failNext = true;
    const outcome = await call({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).then(
      () => 'delivered',
      () => 'cut',
    );
    expect(outcome).toBe('cut');
  });

  it('requests without a decision (unauthenticated) are answered without waiting', async () => {
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });
});
