// Bad input on every write endpoint: 400 (`{"error":{"code","message","field"}}`) naming
// the field, and nothing changed anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminStack, OPERATOR_TOKEN as TOKEN, startAdminStack } from './admin-harness.js';

let stack: AdminStack;
let keyId: string;
beforeAll(async () => {
  stack = await startAdminStack();
  await stack.api('POST', '/api/v1/teams', TOKEN, { id: 'search', name: 'Search' });
  keyId = (await stack.api('POST', '/api/v1/keys', TOKEN, { name: 'k' })).json.id;
  await stack.api('PUT', '/api/v1/policy-documents/base', TOKEN, { rules: [{ type: 'token_ceiling', max_input_tokens: 1000 }] });
});
afterAll(() => stack.close());

const LISTINGS = ['/api/v1/orgs', '/api/v1/admin-tokens', '/api/v1/keys?include_revoked=true', '/api/v1/teams', '/api/v1/users', '/api/v1/policies', '/api/v1/policy-documents', '/api/v1/policy-documents/base/versions', '/api/v1/events', '/api/v1/violations'];

async function snapshot(): Promise<string> {
  const parts = await Promise.all(LISTINGS.map(async (p) => JSON.stringify((await stack.api('GET', p, TOKEN)).json)));
  return parts.join('\n');
}

const CASES: [method: string, path: () => string, body: unknown, field: string][] = [
  ['POST', () => '/api/v1/orgs', { name: '' }, 'name'],
  ['POST', () => '/api/v1/orgs', { name: 'x', id: 'bad id!' }, 'id'],
  ['POST', () => '/api/v1/orgs', { name: 'x', plan: 'gold' }, 'plan'],
  ['POST', () => '/api/v1/admin-tokens', { role: 'god' }, 'role'],
  ['POST', () => '/api/v1/admin-tokens', { role: 'team-admin' }, 'team'],
  ['POST', () => '/api/v1/admin-tokens', { role: 'team-admin', team: 'nope' }, 'team'],
  ['POST', () => '/api/v1/keys', {}, 'name'],
  ['POST', () => '/api/v1/keys', '{"name": "x",', 'body'],
  ['POST', () => '/api/v1/keys', [1, 2], 'body'],
  ['POST', () => '/api/v1/keys', { name: 'x', rpm_limit: -1 }, 'rpm_limit'],
  ['POST', () => '/api/v1/keys', { name: 'x', tpm_limit: 'lots' }, 'tpm_limit'],
  ['POST', () => '/api/v1/keys', { name: 'x', max_budget: 0 }, 'max_budget'],
  ['POST', () => '/api/v1/keys', { name: 'x', budget_duration: '1y' }, 'budget_duration'],
  ['POST', () => '/api/v1/keys', { name: 'x', team: 'nope' }, 'team'],
  ['POST', () => '/api/v1/keys', { name: 'x', user: 'nobody' }, 'user'],
  ['POST', () => '/api/v1/keys', { name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
  ['POST', () => '/api/v1/keys', { name: 'x', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
  ['POST', () => '/api/v1/keys', { name: 'x', key: 'my-own' }, 'key'],
  ['PATCH', () => `/api/v1/keys/${keyId}`, { rpm_limit: 1.5 }, 'rpm_limit'],
  ['PATCH', () => `/api/v1/keys/${keyId}`, { name: 'ok', team: 'search' }, 'team'],
  ['PATCH', () => `/api/v1/keys/${keyId}`, { name: '' }, 'name'],
  ['POST', () => '/api/v1/teams', { name: 5 }, 'name'],
  ['POST', () => '/api/v1/teams', { name: 'x', daily_budget_usd: -1 }, 'daily_budget_usd'],
  ['POST', () => '/api/v1/teams', { id: 'search', name: 'dup' }, 'id'],
  ['PATCH', () => '/api/v1/teams/search', { daily_budget_usd: 'x' }, 'daily_budget_usd'],
  ['POST', () => '/api/v1/users', { email: 'not-an-email' }, 'email'],
  ['POST', () => '/api/v1/users', {}, 'id'],
  ['PUT', () => '/api/v1/policies/approved_models', {}, 'config'],
  ['PUT', () => '/api/v1/policies/banned_patterns', { config: { regexes: ['(?<=x)y'] } }, 'config.regexes[0]'],
  ['PUT', () => '/api/v1/policies/key_environment_check', { config: { prod_key_prefixes: ['sk_live_'], allowed_envs: [3] } }, 'config.allowed_envs[0]'],
  ['PUT', () => '/api/v1/policy-documents/base', { rules: [{ type: 'content_filter', patterns: ['(x'] }] }, 'rules[0].patterns[0]'],
  ['PUT', () => '/api/v1/policy-documents/base', { policy_name: 'other', rules: [] }, 'policy_name'],
  ['PUT', () => '/api/v1/policy-documents/base', { rules: 'none' }, 'rules'],
  ['PUT', () => '/api/v1/policy-documents/base', { rules: [{ type: 'no_such_rule' }] }, 'rules[0].type'],
  ['PUT', () => '/api/v1/policy-documents/base', { rules: [], scope: { org: 'someone-else' } }, 'scope.org'],
  ['PUT', () => '/api/v1/policy-documents/bad%20name', { rules: [] }, 'name'],
  ['POST', () => '/api/v1/policy-documents/base/rollback', { version: 'one' }, 'version'],
  ['POST', () => '/api/v1/policy-documents/base/rollback', { version: 99 }, 'version'],
  ['POST', () => '/api/v1/policy-documents/dry-run', { document: { policy_name: 'x', rules: [] }, days: 0 }, 'days'],
  ['POST', () => '/api/v1/policy-documents/dry-run', { document: { policy_name: 'x', rules: [{ type: 'token_ceiling', max_input_tokens: -5 }] } }, 'document.rules[0].max_input_tokens'],
  ['POST', () => '/api/v1/events', { events: [] }, 'events'],
  ['POST', () => '/api/v1/events', { events: [{ model: 'm' }, { model: 'm', cost_usd: 'free' }] }, 'events[1].cost_usd'],
];

describe('bad input on every write endpoint', () => {
  for (const [method, path, body, field] of CASES) {
    it(`${method} ${path()} ${JSON.stringify(body).slice(0, 60)} -> 400 naming ${field}, nothing changed`, async () => {
      const before = await snapshot();
      const res = await stack.api(method, path(), TOKEN, body);
      expect(res.status, JSON.stringify(res.json)).toBe(400);
      expect(res.json.error).toMatchObject({ code: expect.any(String), message: expect.any(String), field });
      expect(await snapshot()).toBe(before);
    });
  }

  it('an unknown id answers 404 in the same error shape', async () => {
    const res = await stack.api('PATCH', '/api/v1/keys/nope', TOKEN, { name: 'x' });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});
