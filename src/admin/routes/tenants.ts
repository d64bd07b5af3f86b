// Organizations (operator only), teams, users and admin tokens of the caller's org.
import { ADMIN_ROLES, type AdminRole, type AdminToken, type TeamPatch } from '../../store/store.js';
import { badInput, forbidden, notFound } from '../admin-error.js';
import { ID_PATTERN, onlyFields, optionalPositiveNumber, optionalString, requiredString } from '../fields.js';
import { readJsonObject } from '../http-io.js';
import { newAdminTokenSecret, sha256Hex } from '../principal.js';
import { type RouteDef, orgOf, principalOf } from '../route.js';

function tokenJson(token: AdminToken): Record<string, unknown> {
  const { token_sha256: _hash, ...rest } = token;
  return rest;
}

export const tenantRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/api/v1/me',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      const p = principalOf(ctx);
      return { status: 200, body: { org: p.org, role: p.role, team: p.team, token_id: p.tokenId, operator: p.operator } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/orgs',
    auth: { by: 'admin', access: 'operator' },
    async handle(ctx) {
      return { status: 200, body: { data: await ctx.deps.store.listOrgs() } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/orgs',
    auth: { by: 'admin', access: 'operator' },
    async handle(ctx) {
      const body = await readJsonObject(ctx.req);
      onlyFields(body, ['id', 'name']);
      const name = requiredString(body, 'name');
      const id = optionalString(body, 'id', 128, ID_PATTERN);
      if (id && (await ctx.deps.store.getOrg(id))) throw badInput('id', `organization ${id} already exists`);
      const org = await ctx.deps.store.createOrg({ name, ...(id ? { id } : {}) });
      // The new org's first owner: the operator hands this token to the tenant.
      const secret = newAdminTokenSecret();
      const token = await ctx.deps.store.createAdminToken(org.id, { name: 'first owner', token_sha256: sha256Hex(secret), role: 'owner' });
      return { status: 201, body: { ...org, owner_token: { ...tokenJson(token), token: secret } } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/admin-tokens',
    auth: { by: 'admin', access: 'owner' },
    async handle(ctx) {
      return { status: 200, body: { data: (await ctx.deps.store.listAdminTokens(orgOf(ctx))).map(tokenJson) } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/admin-tokens',
    auth: { by: 'admin', access: 'owner' },
    async handle(ctx) {
      const principal = principalOf(ctx);
      const body = await readJsonObject(ctx.req);
      onlyFields(body, ['name', 'role', 'team']);
      const role = body.role;
      if (typeof role !== 'string' || !ADMIN_ROLES.includes(role as AdminRole)) throw badInput('role', `role must be one of ${ADMIN_ROLES.join(', ')}`);
      const name = optionalString(body, 'name');
      const team = optionalString(body, 'team', 128, ID_PATTERN);
      if (role === 'team-admin' && !team) throw badInput('team', 'a team-admin token needs the team it administers');
      if (role !== 'team-admin' && team) throw badInput('team', 'only team-admin tokens take a team');
      if (team && !(await ctx.deps.store.getTeam(principal.org, team))) throw badInput('team', `no team "${team}" in this organization`);
      if (role === 'owner' && principal.role !== 'owner') throw forbidden('only an owner can create owner tokens');
      const secret = newAdminTokenSecret();
      const token = await ctx.deps.store.createAdminToken(principal.org, { name: name ?? null, token_sha256: sha256Hex(secret), role: role as AdminRole, team: team ?? null });
      return { status: 201, body: { ...tokenJson(token), token: secret } };
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/admin-tokens/:id',
    auth: { by: 'admin', access: 'owner' },
    async handle(ctx) {
      const principal = principalOf(ctx);
      const target = (await ctx.deps.store.listAdminTokens(principal.org)).find((t) => t.id === ctx.params.id);
      if (!target) throw notFound(`no admin token ${ctx.params.id}`);
      if (target.role === 'owner' && principal.role !== 'owner') throw forbidden('only an owner can revoke owner tokens');
      const revoked = await ctx.deps.store.revokeAdminToken(principal.org, target.id);
      if (!revoked) throw notFound(`no admin token ${ctx.params.id}`);
      return { status: 200, body: tokenJson(revoked) };
    },
  },
  // ---- teams
  {
    method: 'POST',
    path: '/api/v1/teams',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      const body = await readJsonObject(ctx.req);
      onlyFields(body, ['id', 'name', 'daily_budget_usd']);
      const name = requiredString(body, 'name');
      const id = optionalString(body, 'id', 128, ID_PATTERN);
      const budget = optionalPositiveNumber(body, 'daily_budget_usd');
      if (id && (await ctx.deps.store.getTeam(orgOf(ctx), id))) throw badInput('id', `team ${id} already exists`);
      const team = await ctx.deps.store.createTeam(orgOf(ctx), { name, ...(id ? { id } : {}), ...(budget !== undefined ? { daily_budget_usd: budget } : {}) });
      return { status: 201, body: team };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/teams',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      const principal = principalOf(ctx);
      const teams = await ctx.deps.store.listTeams(principal.org);
      return { status: 200, body: { data: principal.role === 'team-admin' ? teams.filter((t) => t.id === principal.team) : teams } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/teams/:id',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      const principal = principalOf(ctx);
      const team = await ctx.deps.store.getTeam(principal.org, ctx.params.id as string);
      if (!team || (principal.role === 'team-admin' && team.id !== principal.team)) throw notFound(`no team ${ctx.params.id}`);
      return { status: 200, body: team };
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/teams/:id',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      const body = await readJsonObject(ctx.req);
      onlyFields(body, ['name', 'daily_budget_usd']);
      const patch: TeamPatch = {};
      if (body.name !== undefined) patch.name = requiredString(body, 'name');
      const budget = optionalPositiveNumber(body, 'daily_budget_usd');
      if (budget !== undefined) patch.daily_budget_usd = budget;
      const team = await ctx.deps.store.updateTeam(orgOf(ctx), ctx.params.id as string, patch);
      if (!team) throw notFound(`no team ${ctx.params.id}`);
      return { status: 200, body: team };
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/teams/:id',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      if (!(await ctx.deps.store.deleteTeam(orgOf(ctx), ctx.params.id as string))) throw notFound(`no team ${ctx.params.id}`);
      return { status: 204 };
    },
  },
  // ---- users
  {
    method: 'POST',
    path: '/api/v1/users',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      const body = await readJsonObject(ctx.req);
      onlyFields(body, ['id', 'email', 'name']);
      const id = optionalString(body, 'id', 128, ID_PATTERN);
      const email = optionalString(body, 'email', 320, /^[^@\s]+@[^@\s]+$/);
      const name = optionalString(body, 'name');
      if (!id && !email) throw badInput('id', 'give an id or an email');
      if (id && (await ctx.deps.store.getUser(orgOf(ctx), id))) throw badInput('id', `user ${id} already exists`);
      const user = await ctx.deps.store.createUser(orgOf(ctx), { ...(id ? { id } : {}), email: email ?? null, name: name ?? null });
      return { status: 201, body: user };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/users',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      return { status: 200, body: { data: await ctx.deps.store.listUsers(orgOf(ctx)) } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/users/:id',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const user = await ctx.deps.store.getUser(orgOf(ctx), ctx.params.id as string);
      if (!user) throw notFound(`no user ${ctx.params.id}`);
      return { status: 200, body: user };
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/:id',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      if (!(await ctx.deps.store.deleteUser(orgOf(ctx), ctx.params.id as string))) throw notFound(`no user ${ctx.params.id}`);
      return { status: 204 };
    },
  },
];
