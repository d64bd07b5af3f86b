// Named policy documents: versions, diff, rollback, validate, delete, dry run; live effect
// at the gateway; remote config for SDKs with ETag.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSignature } from '../../src/approvals/webhooks.js';
import { type Delivery, type WebhookReceiver, startWebhookReceiver } from '../fixtures/webhook-receiver.js';
import { type AdminStack, OPERATOR_TOKEN as TOKEN, startAdminStack } from './admin-harness.js';

let stack: AdminStack;
let key: string;
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  stack = await startAdminStack({ webhooks: [{ url: `${hooks.url}/hook`, format: 'json', secret: 'a-webhook-secret-of-16+' }] });
  key = (await stack.api('POST', '/api/v1/keys', TOKEN, { name: 'docs', environment: 'development' })).json.key;
});
afterAll(async () => {
  await stack.close();
  await hooks.close();
});

const DEV_RESTRICTIONS = {
  policy_name: 'dev_team_restrictions',
  environment: 'development',
  rules: [
    { type: 'model_access', models: ['gpt-4o-mini', 'claude-3-haiku'] },
    { type: 'content_filter', patterns: ['password', 'api_key'], action: 'block' },
  ],
};

describe('policy documents', () => {
  it('PUT takes the seed 002 document and blocks the next request within one second; versions, diff, rollback', async () => {
    const client = stack.openai(key);
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeDefined();

    const v1 = await stack.api('PUT', '/api/v1/policy-documents/dev_team_restrictions', TOKEN, DEV_RESTRICTIONS);
    expect(v1.status).toBe(200);
    expect(v1.json).toMatchObject({ name: 'dev_team_restrictions', version: 1, document: DEV_RESTRICTIONS });
    const started = Date.now();
    const blocked = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(blocked).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const content = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my api_key is 1' }] }).catch((e: unknown) => e);
    expect((content as Error).message).toContain('Pattern matched: api_key');

    const v2doc = { ...DEV_RESTRICTIONS, rules: [{ type: 'model_access', models: ['gpt-4o-mini', 'gpt-4o'] }], mode: 'enforce' };
    const v2 = await stack.api('PUT', '/api/v1/policy-documents/dev_team_restrictions', TOKEN, v2doc);
    expect(v2.json.version).toBe(2);
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeDefined();

    const versions = await stack.api('GET', '/api/v1/policy-documents/dev_team_restrictions/versions', TOKEN);
    expect(versions.json.data.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const diff = await stack.api('GET', '/api/v1/policy-documents/dev_team_restrictions/diff?from=1&to=2', TOKEN);
    expect(diff.json.changes).toContainEqual({ path: 'rules[0].models[1]', op: 'changed', from: 'claude-3-haiku', to: 'gpt-4o' });
    expect(diff.json.changes).toContainEqual({ path: 'rules[1]', op: 'removed', from: DEV_RESTRICTIONS.rules[1] });
    expect(diff.json.changes).toContainEqual({ path: 'mode', op: 'added', to: 'enforce' });

    const rolled = await stack.api('POST', '/api/v1/policy-documents/dev_team_restrictions/rollback', TOKEN, { version: 1 });
    expect(rolled.json).toMatchObject({ version: 3, rolled_back_from: 1, document: DEV_RESTRICTIONS });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((await stack.api('GET', '/api/v1/policy-documents/dev_team_restrictions?version=2', TOKEN)).json.version).toBe(2);

    const deleted = await stack.api('DELETE', '/api/v1/policy-documents/dev_team_restrictions', TOKEN);
    expect(deleted.json).toMatchObject({ version: 4, deleted: true });
    expect((await stack.api('GET', '/api/v1/policy-documents/dev_team_restrictions', TOKEN)).status).toBe(404);
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeDefined();
  });

  it('validate reports every error with its path, without saving', async () => {
    const res = await stack.api('POST', '/api/v1/policy-documents/validate', TOKEN, { policy_name: 'v', rules: [{ type: 'content_filter', patterns: ['(x'] }, { type: 'token_ceiling', max_input_tokens: 'many' }] });
    expect(res.json.valid).toBe(false);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual(['rules[0].patterns[0]', 'rules[1].max_input_tokens']);
    expect((await stack.api('POST', '/api/v1/policy-documents/validate', TOKEN, { document: DEV_RESTRICTIONS })).json).toEqual({ valid: true, errors: [] });
    expect((await stack.api('GET', '/api/v1/policy-documents/v', TOKEN)).status).toBe(404);
  });

  it('dry run replays the audit trail through a candidate and reports what it would have blocked', async () => {
    const client = stack.openai(key);
    for (const model of ['gpt-4o', 'gpt-4o', 'gpt-4o-mini']) await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    const res = await stack.api('POST', '/api/v1/policy-documents/dry-run', TOKEN, { document: { policy_name: 'mini_only', rules: [{ type: 'model_access', models: ['gpt-4o-mini'] }] }, days: 1 });
    expect(res.status).toBe(200);
    expect(res.json.records).toBeGreaterThanOrEqual(3);
    expect(res.json.would.block).toBeGreaterThanOrEqual(2);
    expect(res.json.newly_refused).toBeGreaterThanOrEqual(2);
    expect(res.json.examples[0]).toMatchObject({ would: 'block', rule: 'model_access', model: 'gpt-4o' });
    expect(res.json.limitations.join(' ')).toContain('no prompt text');
    // Nothing was saved.
    expect((await stack.api('GET', '/api/v1/policy-documents/mini_only', TOKEN)).status).toBe(404);
    const rate = await stack.api('POST', '/api/v1/policy-documents/dry-run', TOKEN, { document: { policy_name: 'one_per_minute', rules: [{ type: 'rate_limit', requests_per_minute: 1 }] }, days: 1 });
    expect(rate.status, JSON.stringify(rate.json)).toBe(200);
  });

  it('GET /api/v1/config returns the effective documents for a virtual key with an ETag (304 when unchanged)', async () => {
    await stack.api('PUT', '/api/v1/policy-documents/sdk_rules', TOKEN, { rules: [{ type: 'token_ceiling', max_input_tokens: 8000 }] });
    const first = await stack.api('GET', '/api/v1/config', key);
    expect(first.status).toBe(200);
    expect(first.json.policies.map((p: { policy_name: string }) => p.policy_name)).toContain('sdk_rules');
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect((await stack.api('GET', '/api/v1/config', key, undefined, { 'if-none-match': etag })).status).toBe(304);
    await stack.api('PUT', '/api/v1/policy-documents/sdk_rules', TOKEN, { rules: [{ type: 'token_ceiling', max_input_tokens: 4000 }] });
    const changed = await stack.api('GET', '/api/v1/config', key, undefined, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await stack.api('GET', '/api/v1/config', TOKEN)).status).toBe(401);
  });

  it('sends violations found at ingest to the configured webhooks, signed', async () => {
    await stack.api('PUT', '/api/v1/policies/approved_models', TOKEN, { config: { models: ['gpt-4o-mini'] } });
    const res = await stack.api('POST', '/api/v1/events', key, { events: [{ model: 'gpt-5', input_tokens: 5, output_tokens: 5 }] });
    expect(res.json.violations).toHaveLength(1);
    const [hook] = (await hooks.received(1)) as [Delivery];
    expect(hook.json).toMatchObject({ event: 'violation.created', violation: { policy: 'approved_models', org: 'default' } });
    expect(hook.headers['x-warden-signature']).toBe(webhookSignature('a-webhook-secret-of-16+', hook.headers['x-warden-timestamp'] as string, hook.raw));
    await stack.api('PUT', '/api/v1/policies/approved_models', TOKEN, { config: { models: [] } });
  });
});
