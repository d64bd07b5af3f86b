// `warden serve` with budgets in warden.yaml: a real process, the official OpenAI SDK.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const MAIN = join(ROOT, 'src/cli/main.ts');
const KEY = 'wk_team_0123456789abcdef';

function run(cwd: string, env: Record<string, string>): { child: ChildProcess; banner: Promise<string>; exit: Promise<[number | null]>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'serve', '--port', '0'], { cwd, env: { ...process.env, REDIS_URL: '', PORT: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const exit = once(child, 'exit') as Promise<[number | null]>;
  const banner = new Promise<string>((done, fail) => {
    child.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('First call')) done(out);
    });
    void exit.then(([code]) => fail(new Error(`serve exited ${code}: ${err}`)));
  });
  banner.catch(() => undefined);
  return { child, banner, exit, stderr: () => err };
}

function config(mockUrl: string, keyExtra = ''): string {
  return `policies:
  - policy_name: team_budget
    scope: { org: acme, team: search }
    rules:
      - { type: budget, scope: team, window: day, max_usd: 0.02 }
keys:
  - { id: team-key, key: ${KEY}, org: acme, team: search${keyExtra} }
pricing:
  overrides: { gpt-4o-mini: { input_per_mtok: 0, output_per_mtok: 5000 } }
upstreams:
  openai: { base_url: "${mockUrl}/v1", api_key: sk-upstream }
`;
}

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.close());

describe('warden serve with budgets', () => {
  it('enforces a team budget from warden.yaml in memory, and says where counters live', { timeout: 30_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-budget-'));
    writeFileSync(join(cwd, 'warden.yaml'), config(mock.url));
    const served = run(cwd, {});
    const banner = await served.banner;
    expect(banner).toContain('counters: in memory');
    const url = /listening on (http:\/\/[^\s]+)/.exec(banner)?.[1] as string;
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY, maxRetries: 0 });
    // "Echo: hi" is 2 tokens at $5,000 per million: $0.01 a call, reserved and settled.
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] });
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('budget_exceeded');
    served.child.kill('SIGTERM');
    await served.exit;
  });

  it("refuses to start with a key's max_budget above its team's budget", { timeout: 30_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-budget-'));
    writeFileSync(join(cwd, 'warden.yaml'), config(mock.url, ', max_budget: 5, budget_duration: 1d'));
    const served = run(cwd, {});
    const [code] = await served.exit;
    expect(code).toBe(1);
    expect(served.stderr()).toContain('keys[0].max_budget: max_budget 5 USD per day is above the team budget of 0.02');
  });

  it('with REDIS_URL unreachable, starts and answers 503 counter_store_unavailable', { timeout: 30_000 }, async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    await new Promise<void>((done) => server.close(() => done()));
    const cwd = mkdtempSync(join(tmpdir(), 'warden-budget-'));
    writeFileSync(join(cwd, 'warden.yaml'), config(mock.url));
    const served = run(cwd, { REDIS_URL: `redis://127.0.0.1:${port}` });
    const banner = await served.banner;
    expect(banner).toContain('counters: Redis');
    const url = /listening on (http:\/\/[^\s]+)/.exec(banner)?.[1] as string;
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: 'counter_store_unavailable' });
    served.child.kill('SIGTERM');
    await served.exit;
  });
});
