// The permission matrix: every admin endpoint x every role x two orgs. Roles reach exactly
// what they should (401 without a valid token, 403 beyond the role), and a token of org B
// can neither read nor change anything of org A (404 for A's ids, A's data never listed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from '../../src/admin/admin-server.js';
import type { ApprovalGate } from '../../src/approvals/approval-gate.js';
import { type AdminStack, type ApiResult, OPERATOR_TOKEN, startAdminStack } from './admin-harness.js';

type Role = 'owner' | 'admin' | 'viewer' | 'team-admin';
const ROLES: Role[] = ['owner', 'admin', 'viewer', 'team-admin'];

interface Org {
  id: string;
  tokens: Record<Role, string>;
  keyId: string;
  key: string;
}

let stack: AdminStack;
const orgs: Record<'a' | 'b', Org> = {} as Record<'a' | 'b', Org>;
/** A marker in every name org A creates: it must never appear in an answer to org B. */
const MARK = 'alpha-secret-marker';

async function ok(res: Promise<ApiResult>): Promise<ApiResult> {
  const r = await res;
  if (r.status >= 300) throw new Error(`setup failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r;
}

async function setupOrg(owner: string, label: string): Promise<Org> {
  const { api } = stack;
  await ok(api('POST', '/api/v1/teams', owner, { id: 'search', name: `${label} search team` }));
  await ok(api('POST', '/api/v1/users', owner, { id: 'dev', email: 'dev@example.com', name: label }));
  const tokens = { owner } as Record<Role, string>;
  for (const role of ['admin', 'viewer', 'team-admin'] as const) {
    tokens[role] = (await ok(api('POST', '/api/v1/admin-tokens', owner, { role, name: label, ...(role === 'team-admin' ? { team: 'search' } : {}) }))).json.token;
  }
  const key = await ok(api('POST', '/api/v1/keys', owner, { name: `${label} key`, team: 'search', user: 'dev' }));
  await ok(api('PUT', '/api/v1/policy-documents/base', owner, { policy_name: 'base', description: label, rules: [{ type: 'token_ceiling', max_input_tokens: 100000 }] }));
  await ok(api('PUT', '/api/v1/policies/approved_models', owner, { config: { models: [] } }));
  // Calls labelled hold=yes wait for a human: the approval endpoints get real approvals.
  await ok(api('PUT', '/api/v1/policy-documents/hold', owner, { policy_name: 'hold', rules: [{ type: 'approval_threshold', threshold_usd: 0.000001, when: 'has(labels.hold)' }] }));
  return { id: '', tokens, keyId: key.json.id, key: key.json.key };
}

beforeAll(async () => {
  stack = await startAdminStack();
  orgs.a = await setupOrg(OPERATOR_TOKEN, MARK);
  orgs.a.id = 'default';
  const b = await ok(stack.api('POST', '/api/v1/orgs', OPERATOR_TOKEN, { id: 'orgb', name: 'Org B' }));
  orgs.b = await setupOrg(b.json.owner_token.token, 'org-b');
  orgs.b.id = 'orgb';
  // A decided call in each org, so audit endpoints have records to (not) show.
  await stack.openai(orgs.a.key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  await stack.openai(orgs.b.key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
});
afterAll(() => stack.close());

/** One call per endpoint, built for `org` (fresh resources where the call consumes one). */
interface Case {
  route: string;
  access: 'read' | 'write' | 'owner' | 'operator' | 'key';
  teamScoped: boolean;
  call(org: Org, token: string | undefined): Promise<ApiResult>;
}

async function freshKey(org: Org): Promise<string> {
  return (await ok(stack.api('POST', '/api/v1/keys', org.tokens.owner, { name: 'fresh', team: 'search' }))).json.id;
}

/** Holds a call of `org` for approval and returns the approval's id (the call stays pending). */
const heldCalls: Promise<unknown>[] = [];
async function heldApproval(org: Org): Promise<string> {
  const pending = async () => ((await ok(stack.api('GET', '/api/v1/approvals', org.tokens.owner))).json.data as { id: string }[]).map((a) => a.id);
  const before = new Set(await pending());
  const id = await holdCall(org.key, 'hold me');
  expect(before.has(id)).toBe(false);
  expect(await pending()).toContain(id);
  return id;
}

/** Sends a call labelled hold=yes and resolves with its approval's id once the gateway holds it (the call stays pending). */
async function holdCall(key: string, content: string): Promise<string> {
  const gate = stack.gateway.approvals as ApprovalGate;
  const before = new Set(gate.held().map((a) => a.id));
  const call = stack.openai(key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers: { 'x-warden-labels': '{"hold":"yes"}' } });
  heldCalls.push(call.catch(() => undefined));
  const held = await gate.whenHeld(before.size + 1);
  const fresh = held.find((a) => !before.has(a.id));
  if (!fresh) throw new Error('the gateway did not hold the call');
  return fresh.id;
}

let seq = 0;
const CASES: Case[] = [
  { route: 'GET /api/v1/approvals', access: 'read', teamScoped: true, call: (_o, t) => stack.api('GET', '/api/v1/approvals', t) },
  { route: 'GET /api/v1/approvals/:id', access: 'read', teamScoped: true, call: async (o, t) => stack.api('GET', `/api/v1/approvals/${await heldApproval(o)}`, t) },
  { route: 'POST /api/v1/approvals/:id/approve', access: 'write', teamScoped: true, call: async (o, t) => stack.api('POST', `/api/v1/approvals/${await heldApproval(o)}/approve`, t) },
  { route: 'POST /api/v1/approvals/:id/reject', access: 'write', teamScoped: true, call: async (o, t) => stack.api('POST', `/api/v1/approvals/${await heldApproval(o)}/reject`, t, { reason: 'not today' }) },
  { route: 'GET /api/v1/me', access: 'read', teamScoped: true, call: (_o, t) => stack.api('GET', '/api/v1/me', t) },
  { route: 'GET /api/v1/orgs', access: 'operator', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/orgs', t) },
  { route: 'POST /api/v1/orgs', access: 'operator', teamScoped: false, call: (_o, t) => stack.api('POST', '/api/v1/orgs', t, { name: `org ${++seq}` }) },
  { route: 'GET /api/v1/admin-tokens', access: 'owner', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/admin-tokens', t) },
  { route: 'POST /api/v1/admin-tokens', access: 'owner', teamScoped: false, call: (_o, t) => stack.api('POST', '/api/v1/admin-tokens', t, { role: 'viewer' }) },
  {
    route: 'DELETE /api/v1/admin-tokens/:id',
    access: 'owner',
    teamScoped: false,
    call: async (o, t) => stack.api('DELETE', `/api/v1/admin-tokens/${(await ok(stack.api('POST', '/api/v1/admin-tokens', o.tokens.owner, { role: 'viewer' }))).json.id}`, t),
  },
  { route: 'POST /api/v1/keys', access: 'write', teamScoped: true, call: (_o, t) => stack.api('POST', '/api/v1/keys', t, { name: 'k', team: 'search' }) },
  { route: 'GET /api/v1/keys', access: 'read', teamScoped: true, call: (_o, t) => stack.api('GET', '/api/v1/keys', t) },
  { route: 'GET /api/v1/keys/:id', access: 'read', teamScoped: true, call: (o, t) => stack.api('GET', `/api/v1/keys/${o.keyId}`, t) },
  { route: 'PATCH /api/v1/keys/:id', access: 'write', teamScoped: true, call: async (o, t) => stack.api('PATCH', `/api/v1/keys/${await freshKey(o)}`, t, { rpm_limit: 5 }) },
  { route: 'DELETE /api/v1/keys/:id', access: 'write', teamScoped: true, call: async (o, t) => stack.api('DELETE', `/api/v1/keys/${await freshKey(o)}`, t) },
  { route: 'POST /api/v1/teams', access: 'write', teamScoped: false, call: (_o, t) => stack.api('POST', '/api/v1/teams', t, { name: `team ${++seq}` }) },
  { route: 'GET /api/v1/teams', access: 'read', teamScoped: true, call: (_o, t) => stack.api('GET', '/api/v1/teams', t) },
  { route: 'GET /api/v1/teams/:id', access: 'read', teamScoped: true, call: (_o, t) => stack.api('GET', '/api/v1/teams/search', t) },
  { route: 'PATCH /api/v1/teams/:id', access: 'write', teamScoped: false, call: (_o, t) => stack.api('PATCH', '/api/v1/teams/search', t, { daily_budget_usd: 10 }) },
  {
    route: 'DELETE /api/v1/teams/:id',
    access: 'write',
    teamScoped: false,
    call: async (o, t) => stack.api('DELETE', `/api/v1/teams/${(await ok(stack.api('POST', '/api/v1/teams', o.tokens.owner, { name: `gone ${++seq}` }))).json.id}`, t),
  },
  { route: 'POST /api/v1/users', access: 'write', teamScoped: false, call: (_o, t) => stack.api('POST', '/api/v1/users', t, { email: `u${++seq}@example.com` }) },
  { route: 'GET /api/v1/users', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/users', t) },
  { route: 'GET /api/v1/users/:id', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/users/dev', t) },
  {
    route: 'DELETE /api/v1/users/:id',
    access: 'write',
    teamScoped: false,
    call: async (o, t) => stack.api('DELETE', `/api/v1/users/${(await ok(stack.api('POST', '/api/v1/users', o.tokens.owner, { email: `gone${++seq}@example.com` }))).json.id}`, t),
  },
  { route: 'GET /api/v1/policies', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/policies', t) },
  { route: 'GET /api/v1/policies/:type', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/policies/approved_models', t) },
  { route: 'PUT /api/v1/policies/:type', access: 'write', teamScoped: false, call: (_o, t) => stack.api('PUT', '/api/v1/policies/approved_models', t, { config: { models: [] } }) },
  { route: 'GET /api/v1/policy-documents', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/policy-documents', t) },
  { route: 'POST /api/v1/policy-documents/validate', access: 'read', teamScoped: false, call: (_o, t) => stack.api('POST', '/api/v1/policy-documents/validate', t, { policy_name: 'x', rules: [] }) },
  { route: 'POST /api/v1/policy-documents/dry-run', access: 'read', teamScoped: false, call: (_o, t) => stack.api('POST', '/api/v1/policy-documents/dry-run', t, { document: { policy_name: 'x', rules: [] }, days: 1 }) },
  { route: 'GET /api/v1/policy-documents/:name', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/policy-documents/base', t) },
  { route: 'PUT /api/v1/policy-documents/:name', access: 'write', teamScoped: false, call: (_o, t) => stack.api('PUT', '/api/v1/policy-documents/base', t, { rules: [{ type: 'token_ceiling', max_input_tokens: 100000 }] }) },
  {
    route: 'DELETE /api/v1/policy-documents/:name',
    access: 'write',
    teamScoped: false,
    call: async (o, t) => {
      const name = `doomed-${++seq}`;
      await ok(stack.api('PUT', `/api/v1/policy-documents/${name}`, o.tokens.owner, { rules: [] }));
      return stack.api('DELETE', `/api/v1/policy-documents/${name}`, t);
    },
  },
  { route: 'GET /api/v1/policy-documents/:name/versions', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/policy-documents/base/versions', t) },
  { route: 'GET /api/v1/policy-documents/:name/diff', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/policy-documents/base/diff?from=1', t) },
  { route: 'POST /api/v1/policy-documents/:name/rollback', access: 'write', teamScoped: false, call: (_o, t) => stack.api('POST', '/api/v1/policy-documents/base/rollback', t, { version: 1 }) },
  { route: 'GET /api/v1/audit', access: 'read', teamScoped: true, call: (_o, t) => stack.api('GET', '/api/v1/audit', t) },
  { route: 'GET /api/v1/audit/export', access: 'read', teamScoped: true, call: (_o, t) => stack.api('GET', '/api/v1/audit/export?format=jsonl', t) },
  { route: 'GET /api/v1/audit/verify', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/audit/verify', t) },
  { route: 'POST /api/v1/events', access: 'write', teamScoped: false, call: (_o, t) => stack.api('POST', '/api/v1/events', t, { events: [{ model: 'gpt-4o', input_tokens: 1, output_tokens: 1 }] }) },
  { route: 'GET /api/v1/events', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/events', t) },
  { route: 'GET /api/v1/violations', access: 'read', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/violations', t) },
  {
    route: 'POST /api/v1/violations/:id/acknowledge',
    access: 'write',
    teamScoped: false,
    call: async (o, t) => {
      await ok(stack.api('PUT', '/api/v1/policies/approval_required_threshold_cents', o.tokens.owner, { config: { threshold_cents: 1 } }));
      const ev = await ok(stack.api('POST', '/api/v1/events', o.tokens.owner, { events: [{ model: 'gpt-4o', cost_usd: 1 }] }));
      await ok(stack.api('PUT', '/api/v1/policies/approval_required_threshold_cents', o.tokens.owner, { config: { threshold_cents: 0 } }));
      return stack.api('POST', `/api/v1/violations/${ev.json.violations[0].id}/acknowledge`, t);
    },
  },
  { route: 'GET /api/v1/config', access: 'key', teamScoped: false, call: (_o, t) => stack.api('GET', '/api/v1/config', t) },
];

function allowed(c: Case, role: Role, operator: boolean): boolean {
  if (c.access === 'operator') return operator;
  if (c.access === 'key') return false;
  if (role === 'team-admin' && !c.teamScoped) return false;
  if (c.access === 'read') return true;
  if (role === 'viewer') return false;
  return true;
}

describe('admin API permission matrix', () => {
  it('covers every route the API serves', () => {
    const covered = new Set(CASES.map((c) => c.route));
    for (const r of ADMIN_ROUTES) expect(covered, `${r.method} ${r.path}`).toContain(`${r.method} ${r.path}`);
  });

  for (const c of CASES) {
    it(`${c.route}: 401 without a valid credential; each role of each org gets exactly its rights`, async () => {
      expect((await c.call(orgs.a, undefined)).status).toBe(401);
      expect((await c.call(orgs.a, 'wdn_admin_not-a-real-token')).status).toBe(401);
      for (const which of ['a', 'b'] as const) {
        const org = orgs[which];
        for (const role of ROLES) {
          const operator = which === 'a' && role === 'owner';
          const res = await c.call(org, org.tokens[role]);
          if (c.access === 'key') {
            // SDK endpoint: admin tokens are not virtual keys.
            expect(res.status, `${role}@${which}`).toBe(401);
            continue;
          }
          if (allowed(c, role, operator)) expect(res.status, `${role}@${which}: ${JSON.stringify(res.json)}`).toBeLessThan(300);
          else expect(res.status, `${role}@${which}: ${JSON.stringify(res.json)}`).toBe(403);
        }
      }
      if (c.access === 'key') {
        expect((await c.call(orgs.a, orgs.a.key)).status).toBe(200);
        expect((await c.call(orgs.b, orgs.b.key)).status).toBe(200);
      }
    });
  }
});

describe('tenant isolation', () => {
  it('org B never reads org A: ids answer 404 and listings hold nothing of A', async () => {
    for (const role of ROLES) {
      const t = orgs.b.tokens[role];
      expect((await stack.api('GET', `/api/v1/keys/${orgs.a.keyId}`, t)).status).toBe(404);
      for (const path of ['/api/v1/keys', '/api/v1/teams', '/api/v1/users', '/api/v1/policies', '/api/v1/policy-documents', '/api/v1/audit', '/api/v1/audit/export?format=csv', '/api/v1/events', '/api/v1/violations', '/api/v1/me', '/api/v1/teams/search', '/api/v1/policy-documents/base', '/api/v1/policy-documents/base/versions']) {
        const res = await stack.api('GET', path, t);
        expect(JSON.stringify(res.json), `${role} ${path}`).not.toContain(MARK);
        expect(JSON.stringify(res.json), `${role} ${path}`).not.toContain(orgs.a.keyId);
      }
    }
  });

  it('org B never writes org A: A\'s ids answer 404 and A is unchanged', async () => {
    const before = (await stack.api('GET', `/api/v1/keys/${orgs.a.keyId}`, OPERATOR_TOKEN)).json;
    for (const role of ['owner', 'admin'] as const) {
      const t = orgs.b.tokens[role];
      expect((await stack.api('PATCH', `/api/v1/keys/${orgs.a.keyId}`, t, { rpm_limit: 1 })).status).toBe(404);
      expect((await stack.api('DELETE', `/api/v1/keys/${orgs.a.keyId}`, t)).status).toBe(404);
      // B's key may not point at A's user (B has no such user... but B has its own "dev"): the id resolves in B only.
      const made = await stack.api('POST', '/api/v1/keys', t, { name: 'x', team: 'search' });
      expect(made.json.org).toBe('orgb');
    }
    expect((await stack.api('GET', `/api/v1/keys/${orgs.a.keyId}`, OPERATOR_TOKEN)).json).toEqual(before);
    // The key of org A still works at the gateway.
    await expect(stack.openai(orgs.a.key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeDefined();
  });

  it('a team-admin sees and manages only its own team\'s keys', async () => {
    const t = orgs.a.tokens['team-admin'];
    await ok(stack.api('POST', '/api/v1/teams', OPERATOR_TOKEN, { id: 'other', name: 'other' }));
    const other = await ok(stack.api('POST', '/api/v1/keys', OPERATOR_TOKEN, { name: 'other team key', team: 'other' }));
    expect((await stack.api('GET', `/api/v1/keys/${other.json.id}`, t)).status).toBe(404);
    expect((await stack.api('DELETE', `/api/v1/keys/${other.json.id}`, t)).status).toBe(404);
    expect((await stack.api('POST', '/api/v1/keys', t, { name: 'x', team: 'other' })).status).toBe(403);
    const list = await stack.api('GET', '/api/v1/keys', t);
    expect(list.json.data.every((k: { team: string }) => k.team === 'search')).toBe(true);
  });
});

describe('approvals across tenants', () => {
  it("an approval of one org does not exist for another; its own team-admin approves it and the held call completes", async () => {
    const pending = async (org: Org) => ((await ok(stack.api('GET', '/api/v1/approvals', org.tokens.owner))).json.data as { id: string }[]).map((a) => a.id);
    const before = new Set(await pending(orgs.a));
    const gate = stack.gateway.approvals as ApprovalGate;
    const heldBefore = new Set(gate.held().map((a) => a.id));
    const call = stack.openai(orgs.a.key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'wait for me' }] }, { headers: { 'x-warden-labels': '{"hold":"yes"}' } });
    const id = (await gate.whenHeld(heldBefore.size + 1)).find((a) => !heldBefore.has(a.id))?.id;
    expect(id).toBeDefined();
    expect(before.has(id as string)).toBe(false);
    expect(await pending(orgs.a)).toContain(id);
    for (const role of ['owner', 'admin', 'team-admin'] as const) {
      const t = orgs.b.tokens[role];
      expect((await stack.api('GET', `/api/v1/approvals/${id}`, t)).status).toBe(404);
      expect((await stack.api('POST', `/api/v1/approvals/${id}/approve`, t)).status).toBe(404);
      expect(JSON.stringify((await stack.api('GET', '/api/v1/approvals?status=all', t)).json)).not.toContain(id as string);
    }
    const approved = await stack.api('POST', `/api/v1/approvals/${id}/approve`, orgs.a.tokens['team-admin']);
    expect(approved.status).toBe(200);
    expect((approved.json as { status: string }).status).toBe('approved');
    const reply = await call;
    expect(reply.choices[0]?.message.content).toBe('Echo: wait for me');
    expect((await stack.api('POST', `/api/v1/approvals/${id}/reject`, orgs.a.tokens.owner)).status).toBe(409);
  });
});

