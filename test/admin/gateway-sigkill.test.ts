// SIGKILL under load: a `warden serve` process answering many concurrent calls is killed;
// every response a client received in full has its audit record in the reopened store,
// and the chain verifies.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/verify.js';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const MAIN = join(ROOT, 'src/cli/main.ts');
const ADMIN = 'wdn_sigkill_admin_token_0123456789';
const CONCURRENCY = 32;
/** The process is killed once this many responses were delivered, with more in flight. */
const DELIVERED_BEFORE_KILL = 60;

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.close());

describe('gateway SIGKILL under load', () => {
  it('loses no audit record of a delivered response', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-kill-'));
    const child = spawn(process.execPath, ['--import', TSX, MAIN, 'serve', '--port', '0'], {
      cwd,
      env: { ...process.env, PORT: '', DATABASE_URL: '', WARDEN_ADMIN_TOKEN: ADMIN, OPENAI_BASE_URL: `${mock.url}/v1`, OPENAI_API_KEY: 'sk-upstream' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (m && out.includes('First call')) done(m[1] as string);
      });
      child.once('exit', (code) => fail(new Error(`serve exited ${code}`)));
    });
    const created = await fetch(`${url}/api/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'load', rpm_limit: 1_000_000 }) });
    const { key } = (await created.json()) as { key: string };

    const delivered: string[] = [];
    let stopping = false;
    let enough: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => {
      enough = resolve;
    });
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stopping; i++) {
        try {
          const res = await fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'gpt-4o-mini', stream: i % 2 === 0, messages: [{ role: 'user', content: `load ${w}.${i}` }] }),
          });
          await res.text();
          if (res.status === 200) delivered.push(res.headers.get('x-request-id') as string);
          if (delivered.length >= DELIVERED_BEFORE_KILL) enough();
        } catch {
          return;
        }
      }
    };
    const workers = Array.from({ length: CONCURRENCY }, (_v, w) => worker(w));
    const died = once(child, 'exit').then(() => {
      if (!stopping) throw new Error(`warden serve exited under load:\n${out}`);
    });
    await Promise.race([loaded, died]);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    stopping = true;
    await exited;
    await Promise.all(workers);
    expect(delivered.length).toBeGreaterThanOrEqual(DELIVERED_BEFORE_KILL);

    const store = await openSqliteStore({ path: join(cwd, '.warden', 'warden.db') });
    try {
      const missing: string[] = [];
      for (const id of delivered) {
        const page = await store.queryAudit('default', { request_id: id });
        if (page.items.length !== 1) missing.push(id);
      }
      expect(missing, `${missing.length} of ${delivered.length} delivered responses lack a record`).toEqual([]);
      expect(await verifyChain(store, 'default')).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  }, 60_000);
});
