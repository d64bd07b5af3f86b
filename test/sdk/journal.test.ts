import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/sdk/journal.js';

function receiver(status = 202) {
  const batches: { url: string; auth: string | null; events: Record<string, unknown>[] }[] = [];
  const fetchFn = (async (url: URL | string, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { events: Record<string, unknown>[] };
    batches.push({ url: String(url), auth: new Headers(init?.headers).get('authorization'), events: body.events });
    return new Response(JSON.stringify({ accepted: body.events.length }), { status });
  }) as typeof fetch;
  return { batches, fetchFn };
}

describe('Journal', () => {
  it('sends queued events in batches to the event ingest with the key, on flush', async () => {
    const { batches, fetchFn } = receiver();
    const journal = new Journal({ serverUrl: 'http://127.0.0.1:1', apiKey: 'wk_test', fetch: fetchFn, batchSize: 2, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) journal.record({ model: 'gpt-4o-mini', input_tokens: i });
    await journal.flush();
    expect(batches.map((b) => b.events.length)).toEqual([2, 2, 1]);
    expect(batches[0]?.url).toBe('http://127.0.0.1:1/api/v1/events');
    expect(batches[0]?.auth).toBe('Bearer wk_test');
    expect(journal.counts).toEqual({ queued: 0, sent: 5, dropped: 0 });
    await journal.close();
  });

  it('builds lazily recorded events only when sending', async () => {
    const { batches, fetchFn } = receiver();
    const journal = new Journal({ serverUrl: 'http://127.0.0.1:1', apiKey: 'k', fetch: fetchFn, flushIntervalMs: 60_000 });
    let built = 0;
    journal.record(() => {
      built++;
      return { model: 'm' };
    });
    expect(built).toBe(0);
    await journal.close();
    expect(built).toBe(1);
    expect(batches[0]?.events).toEqual([{ model: 'm' }]);
  });

  it('never blocks the caller: a full queue drops and counts new events', async () => {
    const { fetchFn } = receiver();
    const journal = new Journal({ serverUrl: 'http://127.0.0.1:1', apiKey: 'k', fetch: fetchFn, maxQueue: 3, batchSize: 100, flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) journal.record({ model: 'm', i });
    expect(journal.counts).toEqual({ queued: 3, sent: 0, dropped: 7 });
    await journal.close();
    expect(journal.counts.sent).toBe(3);
  });

  it('counts a failed send as dropped and reports it, without throwing', async () => {
    const { fetchFn } = receiver(500);
    const errors: string[] = [];
    const journal = new Journal({ serverUrl: 'http://127.0.0.1:1', apiKey: 'k', fetch: fetchFn, flushIntervalMs: 60_000, onError: (e) => errors.push(e.message) });
    journal.record({ model: 'm' });
    await journal.close();
    expect(journal.counts).toEqual({ queued: 0, sent: 0, dropped: 1 });
    expect(errors[0]).toContain('event ingest answered 500');
  });

  it('drops events recorded after close', async () => {
    const { fetchFn } = receiver();
    const journal = new Journal({ serverUrl: 'http://127.0.0.1:1', apiKey: 'k', fetch: fetchFn, flushIntervalMs: 60_000 });
    await journal.close();
    journal.record({ model: 'late' });
    expect(journal.counts.dropped).toBe(1);
  });
});
