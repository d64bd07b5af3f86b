// The SDK against a real Warden server (`warden serve`): a key and a policy created through
// the admin API; connectWarden applies the remote policy (remote overrides local) and
// journals every decision, visible afterwards through the API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyViolationError, ServerUnreachableError, connectWarden, wrapOpenAI } from '../../src/index.js';
import { type ServeProcess, startServe, stopServe } from '../fixtures/serve-process.js';
import { fakeProvider } from './fake-provider.js';

const ADMIN = 'admin-token-for-sdk-tests-0123456789';

let server: ServeProcess;
let url: string;

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

beforeAll(async () => {
  server = await startServe(mkdtempSync(join(tmpdir(), 'warden-sdk-link-')), { WARDEN_ADMIN_TOKEN: ADMIN });
  url = server.url;
});

afterAll(async () => {
  await stopServe(server);
});

describe('SDK server link against a real Warden server', () => {
  it('applies the remote policy for the key and journals every decision to the event ingest', async () => {
    const { key } = (await admin('POST', '/api/v1/keys', { name: 'sdk-service', environment: 'production' })) as { key: string };
    await admin('PUT', '/api/v1/policy-documents/no_codenames', { policy_name: 'no_codenames', rules: [{ type: 'content_filter', keywords: ['project-zeus'] }] });

    const link = await connectWarden({
      serverUrl: url,
      apiKey: key,
      // Remote overrides local: this local rule would block everything, and must not apply.
      localPolicy: [{ policy_name: 'local', rules: [{ type: 'model_access', models: ['none'] }] }],
      journal: { flushIntervalMs: 60_000 },
    });
    expect(link.source).toBe('remote');
    expect(link.etag).toMatch(/^"/);

    const provider = fakeProvider();
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-provider', fetch: provider.fetch, maxRetries: 0 }), { ...link.wrapOptions, labels: { app: 'sdk-test' } });
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'status of project-zeus?' }] })).rejects.toBeInstanceOf(PolicyViolationError);
    expect(provider.calls).toHaveLength(0);
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(provider.calls).toHaveLength(1);

    await link.close();
    expect(link.journal?.counts).toMatchObject({ sent: 2, dropped: 0 });
    const events = (await admin('GET', '/api/v1/events?limit=50')).data as { model: string; labels: Record<string, string>; prompt: string | null; environment: string | null }[];
    const mine = events.filter((e) => e.labels.app === 'sdk-test');
    expect(mine.map((e) => e.labels.warden_decision).sort()).toEqual(['allow', 'block']);
    expect(mine.find((e) => e.labels.warden_decision === 'block')?.labels.warden_rule).toBe('content_filter');
    expect(mine.every((e) => e.prompt === null)).toBe(true);
    expect(mine.every((e) => e.environment === 'production')).toBe(true);
  });

  it('falls back to the local policy with a warning when the server is unreachable, or refuses if told to', async () => {
    const warnings: string[] = [];
    const link = await connectWarden({
      serverUrl: 'http://127.0.0.1:9',
      apiKey: 'wk_whatever',
      localPolicy: [{ policy_name: 'local', rules: [{ type: 'content_filter', keywords: ['secret-plan'] }] }],
      journal: false,
      warn: (m) => warnings.push(m),
    });
    expect(link.source).toBe('local');
    expect(warnings[0]).toContain('unreachable');
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk', fetch: fakeProvider().fetch, maxRetries: 0 }), link.wrapOptions);
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'the secret-plan' }] })).rejects.toBeInstanceOf(PolicyViolationError);
    await expect(connectWarden({ serverUrl: 'http://127.0.0.1:9', apiKey: 'k', onUnreachable: 'refuse', journal: false })).rejects.toBeInstanceOf(ServerUnreachableError);
  });
});
