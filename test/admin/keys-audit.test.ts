// Keys made through the admin API at the gateway (official OpenAI SDK), their revocation
// and expiry, and the audit trail: every response the client received has its record,
// found by request id, and the chain verifies (API and `warden audit verify`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit-command.js';
import { type AdminStack, OPERATOR_TOKEN as TOKEN, startAdminStack } from './admin-harness.js';

let stack: AdminStack;
beforeAll(async () => {
  stack = await startAdminStack();
});
afterAll(() => stack.close());

describe('keys made through the admin API', () => {
  it('answers the key in plain text once, stores only its hash, and works with the official OpenAI SDK', async () => {
    await stack.api('POST', '/api/v1/teams', TOKEN, { id: 'search', name: 'Search' });
    const created = await stack.api('POST', '/api/v1/keys', TOKEN, { name: 'ci', team: 'search', environment: 'production', rpm_limit: 100, tpm_limit: 100000, max_budget: 10, budget_duration: '30d' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: expect.any(String), key: expect.stringMatching(/^wk_live_/), name: 'ci', team: 'search', environment: 'production', rpm_limit: 100, tpm_limit: 100000, max_budget: 10, budget_duration: '30d', status: 'active' });
    expect(created.json.key_sha256).toBeUndefined();
    expect(created.json.key.startsWith(created.json.key_prefix)).toBe(true);
    const shown = await stack.api('GET', `/api/v1/keys/${created.json.id}`, TOKEN);
    expect(shown.json.key).toBeUndefined();
    expect(JSON.stringify(await stack.api('GET', '/api/v1/keys', TOKEN))).not.toContain(created.json.key);

    const client = stack.openai(created.json.key);
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Echo: Hello');
    const requestId = response.headers.get('x-request-id') as string;
    const audit = await stack.api('GET', `/api/v1/audit?request_id=${requestId}`, TOKEN);
    expect(audit.json.data).toHaveLength(1);
    expect(audit.json.data[0]).toMatchObject({ request_id: requestId, decision: 'allow', org: 'default', team: 'search', key_id: created.json.id, environment: 'production', status: 200, source: 'gateway' });
    expect(audit.json.data[0].usage).toEqual({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
  });

  it('refuses a revoked key and an expired key with 401 and a clear message', async () => {
    const created = await stack.api('POST', '/api/v1/keys', TOKEN, { name: 'short-lived' });
    const client = stack.openai(created.json.key);
    await expect(client.models.list()).resolves.toBeDefined();
    const revoked = await stack.api('DELETE', `/api/v1/keys/${created.json.id}`, TOKEN);
    expect(revoked.json.status).toBe('revoked');
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as Error).message).toContain('was revoked');

    const expiring = await stack.api('POST', '/api/v1/keys', TOKEN, { name: 'expiring', expires_at: new Date(Date.now() + 60_000).toISOString() });
    // Time passes: the API refuses an expiry in the past, so move it there in the store itself
    // (the key was never used, so no gateway has it cached).
    await stack.control.store.updateKey('default', expiring.json.id, { expires_at: new Date(Date.now() - 1_000).toISOString() });
    const expired = await stack.openai(expiring.json.key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(expired).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((expired as Error).message).toContain('expired at');
  });

  it('PATCH changes limits and the gateway applies the new rpm_limit', async () => {
    const created = await stack.api('POST', '/api/v1/keys', TOKEN, { name: 'patched' });
    const patched = await stack.api('PATCH', `/api/v1/keys/${created.json.id}`, TOKEN, { rpm_limit: 7, name: 'renamed' });
    expect(patched.json).toMatchObject({ rpm_limit: 7, name: 'renamed' });
  });
});

describe('audit wiring', () => {
  it('every response the client received (allowed, blocked, streamed) has its record, and the chain verifies', async () => {
    const created = await stack.api('POST', '/api/v1/keys', TOKEN, { name: 'audited' });
    const client = stack.openai(created.json.key);
    const ids: string[] = [];
    const calls = Array.from({ length: 20 }, async (_v, i) => {
      const content = i % 5 === 0 ? 'my AWS key AKIAZ7QKXJ3MPLW4TRVN' : `hello ${i}`;
      const res = await fetch(`${stack.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.json.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', stream: i % 3 === 0, messages: [{ role: 'user', content }] }),
      });
      await res.text();
      ids.push(res.headers.get('x-request-id') as string);
      return res.status;
    });
    const statuses = await Promise.all(calls);
    expect(statuses.filter((s) => s === 403).length).toBe(4);
    for (const id of ids) {
      const found = await stack.api('GET', `/api/v1/audit?request_id=${id}`, TOKEN);
      expect(found.json.data, id).toHaveLength(1);
    }
    const blocked = await stack.api('GET', '/api/v1/audit?decision=block&limit=2', TOKEN);
    expect(blocked.json.data).toHaveLength(2);
    expect(blocked.json.next_cursor).toEqual(expect.any(String));
    const next = await stack.api('GET', `/api/v1/audit?decision=block&limit=2&cursor=${encodeURIComponent(blocked.json.next_cursor)}`, TOKEN);
    expect(next.json.data).toHaveLength(2);
    expect(JSON.stringify(blocked.json)).not.toContain('AKIAZ7QKXJ3MPLW4TRVN');
    await client.models.list();

    const verified = await stack.api('GET', '/api/v1/audit/verify', TOKEN);
    expect(verified.json).toMatchObject({ ok: true });
    const csv = await fetch(`${stack.url}/api/v1/audit/export?format=csv`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\n')[0]).toContain('request_id');

    writeFileSync(join(stack.dataDir, 'warden.yaml'), `data_dir: ${JSON.stringify(stack.dataDir)}\n`);
    let out = '';
    const code = await auditCommand(['verify', '--config', join(stack.dataDir, 'warden.yaml')], { out: (t) => (out += t), err: (t) => (out += t) }, {});
    expect(code, out).toBe(0);
    expect(out).toContain('audit chain intact');
  });

  it('filters the audit by key, model, decision and time, and refuses bad filters naming the field', async () => {
    expect((await stack.api('GET', '/api/v1/audit?decision=maybe', TOKEN)).json.error.field).toBe('decision');
    expect((await stack.api('GET', '/api/v1/audit?since=yesterday', TOKEN)).json.error.field).toBe('since');
    expect((await stack.api('GET', '/api/v1/audit?limit=0', TOKEN)).json.error.field).toBe('limit');
    expect((await stack.api('GET', '/api/v1/audit/export?format=xml', TOKEN)).json.error.field).toBe('format');
    const all = await stack.api('GET', `/api/v1/audit?model=gpt-4o-mini&since=${new Date(Date.now() - 60_000).toISOString()}`, TOKEN);
    expect(all.json.data.length).toBeGreaterThan(0);
  });
});

describe('key limits at the gateway', () => {
  it('max_budget refuses a call that would pass the key\'s budget with 429', async () => {
    const created = await stack.api('POST', '/api/v1/keys', TOKEN, { name: 'tiny budget', max_budget: 0.000001, budget_duration: '1d' });
    expect(created.status).toBe(201);
    const err = await stack.openai(created.json.key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((await stack.api('POST', '/api/v1/keys', TOKEN, { name: 'x', budget_duration: '2mo' })).json.error.field).toBe('budget_duration');
  });
});
