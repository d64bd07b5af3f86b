// Two `warden serve` processes on one Postgres database, as behind a load balancer: a call
// escalated and held by A is listed by B, decided through B, and A's call goes on. The
// approval poll is off (`approvals.poll_ms: 0`), so the decision can only reach A over
// LISTEN/NOTIFY. The test learns that A holds a call from A's `approval.requested` webhook.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';
import { type ServeProcess, startServe, stopServe } from '../fixtures/serve-process.js';
import { type Delivery, type WebhookReceiver, startWebhookReceiver } from '../fixtures/webhook-receiver.js';
import { rejection } from '../fixtures/rejection.js';

const ADMIN = 'wdn_two_process_approvals_token_01';
const databaseUrl = process.env.DATABASE_URL;

async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

if (!databaseUrl) {
  process.stderr.write(
    '\n*** DATABASE_URL is not set: SKIPPING the two-process approvals test (test/admin/two-process-approvals.test.ts). Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run it. ***\n',
  );
}

describe.skipIf(!databaseUrl)('approvals across two warden serve processes on one Postgres database', () => {
  const dbName = `warden_approvals_${process.pid}_${Date.now()}`;
  let mock: MockUpstream;
  let hooks: WebhookReceiver;
  let a: ServeProcess;
  let b: ServeProcess;
  let client: OpenAI;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(databaseUrl as string);
    url.pathname = `/${dbName}`;

    mock = await startMockUpstream();
    hooks = await startWebhookReceiver();
    const config = [
      'approvals:',
      '  timeout_ms: 60000',
      '  poll_ms: 0',
      '  webhooks:',
      `    - url: ${hooks.url}/json`,
      '      format: json',
      'policies:',
      '  - policy_name: hold',
      '    rules:',
      '      - type: approval_threshold',
      '        threshold_usd: 0.000001',
      "        when: 'has(labels.hold)'",
      '',
    ].join('\n');
    const env = { DATABASE_URL: url.toString(), WARDEN_ADMIN_TOKEN: ADMIN, OPENAI_BASE_URL: `${mock.url}/v1`, OPENAI_API_KEY: 'sk-upstream' };
    const dirs = [mkdtempSync(join(tmpdir(), 'warden-approvals-a-')), mkdtempSync(join(tmpdir(), 'warden-approvals-b-'))] as const;
    for (const dir of dirs) writeFileSync(join(dir, 'warden.yaml'), config);
    a = await startServe(dirs[0], env);
    b = await startServe(dirs[1], env);
    const key = await api(a.url, 'POST', '/api/v1/keys', { name: 'shared' });
    expect(key.status).toBe(201);
    client = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: key.json.key as string, maxRetries: 0 });
  }, 60_000);

  afterAll(async () => {
    if (a) await stopServe(a);
    if (b) await stopServe(b);
    await hooks?.close();
    await mock?.close();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  beforeEach(() => {
    hooks.deliveries.length = 0;
  });

  const about = (id: string) => (d: Delivery) => d.json.approval?.id === id;

  /** Sends a call through A that needs a human; resolves once A announced that it holds it. */
  async function holdOnA(content: string): Promise<{ id: string; call: Promise<OpenAI.Chat.ChatCompletion> }> {
    const before = hooks.deliveries.length;
    const call = client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers: { 'x-warden-labels': '{"hold":"yes"}' } });
    call.catch(() => undefined);
    const [requested] = await hooks.received(1, (d) => d.json.event === 'approval.requested' && hooks.deliveries.indexOf(d) >= before);
    expect(requested?.json.approve_url).toContain(a.url);
    return { id: requested?.json.approval.id as string, call };
  }

  it('a call held on A is listed by B, approved through B, and A answers with the upstream\'s reply', async () => {
    const { id, call } = await holdOnA('approve me across processes');
    const listed = await api(b.url, 'GET', '/api/v1/approvals');
    expect((listed.json.data as { id: string; status: string }[]).find((x) => x.id === id)).toMatchObject({ status: 'pending', model: 'gpt-4o-mini', route: 'openai.chat' });
    const sentBefore = mock.requests.length;

    const approved = await api(b.url, 'POST', `/api/v1/approvals/${id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ id, status: 'approved' });
    const decidedAt = Date.now();
    const reply = await call;
    // Carried by NOTIFY (the poll is off): well under a second.
    expect(Date.now() - decidedAt).toBeLessThan(1_000);
    expect(reply.choices[0]?.message.content).toBe('Echo: approve me across processes');
    expect(mock.requests.length).toBe(sentBefore + 1);

    // Announced once, by B, which made the change.
    const [event] = await hooks.received(1, (d) => about(id)(d) && d.json.event === 'approval.approved');
    expect(event?.json.approve_url).toContain(b.url);
    expect((await api(a.url, 'POST', `/api/v1/approvals/${id}/reject`)).status).toBe(409);
    expect(hooks.deliveries.filter(about(id)).map((d) => d.json.event)).toEqual(['approval.requested', 'approval.approved']);
  }, 30_000);

  it('a call held on A and rejected through B answers PermissionDeniedError', async () => {
    const { id, call } = await holdOnA('reject me across processes');
    const rejected = await api(b.url, 'POST', `/api/v1/approvals/${id}/reject`, { reason: 'not this quarter' });
    expect(rejected.status).toBe(200);
    const err = await rejection(call);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.code).toBe('approval_rejected');
    expect(err.message).toContain('not this quarter');
    const listed = await api(a.url, 'GET', '/api/v1/approvals?status=rejected');
    expect((listed.json.data as { id: string }[]).map((x) => x.id)).toContain(id);
  }, 30_000);

  it('approve through A and reject through B at once: one 200, one 409 already_decided', async () => {
    const { id, call } = await holdOnA('race across processes');
    const [viaA, viaB] = await Promise.all([api(a.url, 'POST', `/api/v1/approvals/${id}/approve`), api(b.url, 'POST', `/api/v1/approvals/${id}/reject`)]);
    expect([viaA.status, viaB.status].sort()).toEqual([200, 409]);
    expect((viaA.status === 409 ? viaA : viaB).json).toMatchObject({ error: { code: 'already_decided' } });
    if (viaA.status === 200) expect((await call).choices[0]?.message.content).toBe('Echo: race across processes');
    else expect((await rejection(call)).code).toBe('approval_rejected');
    const winner = viaA.status === 200 ? 'approval.approved' : 'approval.rejected';
    await hooks.received(1, (d) => about(id)(d) && d.json.event === winner);
    // The loser announced nothing.
    expect(hooks.deliveries.filter(about(id)).map((d) => d.json.event)).toEqual(['approval.requested', winner]);
  }, 30_000);
});
