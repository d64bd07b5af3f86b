// SIGTERM to a real `warden serve` while a slow stream is in flight: the stream completes,
// new connections are refused during the drain, logs are flushed, and the exit code is 0.
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';
import { openStore } from '../../src/store/open-store.js';
import { startServe } from '../fixtures/serve-process.js';


let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.close());

/** Resolves with the connection's fate: `connected` or the error code (`ECONNREFUSED`). */
function tryConnect(port: number): Promise<string> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
  });
}

describe('warden serve: graceful shutdown', () => {
  it('drains a streaming call on SIGTERM, refuses new connections meanwhile, and exits 0', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-drain-'));
    const served = await startServe(cwd, { OPENAI_BASE_URL: `${mock.url}/v1`, OPENAI_API_KEY: 'sk-upstream-drain', WARDEN_DRAIN_MS: '15000', LOG_LEVEL: 'info' });
    const { child, url } = served;
    const exited = once(child, 'exit');
    const key = /(wk_dev_[\w-]+)/.exec(served.banner)?.[1] as string;
    const port = Number(new URL(url).port);

    // Probes of the real process: the SQLite store and the policies are ready.
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'up', policies: 'up' } });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    mock.behavior = { chunkDelayMs: 150 };
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two three four five six' }] }).withResponse();
    const requestId = response.headers.get('x-request-id') as string;
    const chunks = stream[Symbol.asyncIterator]();
    let text = (await chunks.next()).value?.choices[0]?.delta.content ?? '';

    child.kill('SIGTERM');
    // server.close() runs in the same tick as this line is printed, but libuv closes the
    // listening socket on its next turn: an attempt in between may be accepted and reset.
    // Each attempt is awaited; the first refused one proves new connections are turned away.
    await served.waitFor('SIGTERM: closing');
    let refused = await tryConnect(port);
    for (let i = 0; i < 50 && refused !== 'ECONNREFUSED'; i++) refused = await tryConnect(port);
    expect(refused).toBe('ECONNREFUSED');
    expect(child.exitCode).toBeNull();

    for (let next = await chunks.next(); !next.done; next = await chunks.next()) text += next.value.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: one two three four five six');

    const [code] = await exited;
    mock.behavior = {};
    expect(code, served.stderr()).toBe(0);
    expect(served.stdout()).toContain('SIGTERM: closing');
    // The stream's log line was written before exit, with its request id and no prompt.
    const logs = served
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const line = logs.find((l) => l.msg === 'request completed' && l.stream === true);
    expect(line).toMatchObject({ status: 200, route: 'openai.chat', model: 'gpt-4o-mini', level: 'info' });
    expect(line?.requestId).toBe(requestId);

    // The drained call's audit record was written before the process exited.
    const store = await openStore({ sqlitePath: join(cwd, '.warden/warden.db') });
    try {
      const audit = await store.queryAudit('default', { request_id: requestId });
      expect(audit.items).toHaveLength(1);
    } finally {
      await store.close();
    }
    expect(served.stdout()).not.toContain('one two three');
  });

  it('stops at once on a second signal during the drain', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-drain-'));
    const served = await startServe(cwd, { OPENAI_BASE_URL: `${mock.url}/v1`, OPENAI_API_KEY: 'sk-upstream-drain', WARDEN_DRAIN_MS: '60000' });
    const { child, url } = served;
    const exited = once(child, 'exit');
    const key = /(wk_dev_[\w-]+)/.exec(served.banner)?.[1] as string;
    mock.behavior = { chunkDelayMs: 2_000 };
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'a b c d e f g h' }] });
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    child.kill('SIGTERM');
    await served.waitFor('SIGTERM: closing');
    const started = performance.now();
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    mock.behavior = {};
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(code === null ? signal : code).toBe('SIGTERM');
    await chunks.return?.();
  });
});
