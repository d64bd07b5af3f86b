// Virtual keys: create (the secret shown this once), list, read, change, revoke.
// A team-admin sees and manages only its team's keys; other keys answer 404.
import { randomBytes } from 'node:crypto';
import { parseBudgetDuration } from '../../budgets/key-claims.js';
import { keyStatus } from '../../store/key-status.js';
import type { ApiKey, ApiKeyPatch, NewApiKey, Store } from '../../store/store.js';
import { badInput, forbidden, notFound } from '../admin-error.js';
import { type Body, DURATION, durationMs, ID_PATTERN, onlyFields, optionalIsoTime, optionalPositiveInt, optionalPositiveNumber, optionalString, requiredString } from '../fields.js';
import { readJsonObject } from '../http-io.js';
import { sha256Hex } from '../principal.js';
import { type RouteContext, type RouteDef, orgOf, principalOf } from '../route.js';

const CREATE_FIELDS = ['name', 'team', 'user', 'environment', 'role', 'rpm_limit', 'tpm_limit', 'max_budget', 'budget_duration', 'expires_at', 'duration'];
const PATCH_FIELDS = ['name', 'environment', 'role', 'rpm_limit', 'tpm_limit', 'max_budget', 'budget_duration', 'expires_at'];
/** Shown in listings; enough to tell keys apart, far too little to use. */
const PREFIX_LENGTH = 12;

/** The key as the API shows it: never the hash. */
export function keyJson(key: ApiKey, now: number): Record<string, unknown> {
  const { key_sha256: _hash, ...rest } = key;
  return { ...rest, status: keyStatus(key, now) };
}

/** `wk_live_` for production keys, `wk_test_` otherwise: a prefix `key_environment_check` can watch. */
function newSecret(environment: string | null | undefined): string {
  return `${environment === 'production' ? 'wk_live_' : 'wk_test_'}${randomBytes(24).toString('base64url')}`;
}

async function checkRefs(store: Store, org: string, team: string | null | undefined, user: string | null | undefined): Promise<void> {
  if (team && !(await store.getTeam(org, team))) throw badInput('team', `no team "${team}" in this organization (create it with POST /api/v1/teams)`);
  if (user && !(await store.getUser(org, user))) throw badInput('user', `no user "${user}" in this organization (create it with POST /api/v1/users)`);
}

function limits(body: Body): Pick<ApiKeyPatch, 'rpm_limit' | 'tpm_limit' | 'max_budget' | 'budget_duration'> {
  const out: Pick<ApiKeyPatch, 'rpm_limit' | 'tpm_limit' | 'max_budget' | 'budget_duration'> = {};
  const rpm = optionalPositiveInt(body, 'rpm_limit');
  const tpm = optionalPositiveInt(body, 'tpm_limit');
  const budget = optionalPositiveNumber(body, 'max_budget');
  const duration = optionalString(body, 'budget_duration', 10);
  if (duration) {
    // The gateway's parser decides what a budget window is; refuse here what it would refuse there.
    try {
      parseBudgetDuration(duration);
    } catch (err) {
      throw badInput('budget_duration', (err as Error).message);
    }
  }
  if (rpm !== undefined) out.rpm_limit = rpm;
  if (tpm !== undefined) out.tpm_limit = tpm;
  if (budget !== undefined) out.max_budget = budget;
  if (duration !== undefined) out.budget_duration = duration;
  return out;
}

/** A team-admin's key of another team does not exist for it. */
async function visibleKey(ctx: RouteContext): Promise<ApiKey> {
  const principal = principalOf(ctx);
  const key = await ctx.deps.store.getKey(principal.org, ctx.params.id as string);
  if (!key || (principal.role === 'team-admin' && key.team !== principal.team)) throw notFound(`no key ${ctx.params.id}`);
  return key;
}

export const keyRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/api/v1/keys',
    auth: { by: 'admin', access: 'write', teamScoped: true },
    async handle(ctx) {
      const principal = principalOf(ctx);
      const body = await readJsonObject(ctx.req);
      onlyFields(body, CREATE_FIELDS);
      const name = requiredString(body, 'name');
      let team = optionalString(body, 'team', 128, ID_PATTERN);
      const user = optionalString(body, 'user', 128, ID_PATTERN);
      const environment = optionalString(body, 'environment', 64);
      const role = optionalString(body, 'role', 64);
      const limitFields = limits(body);
      let expiresAt = optionalIsoTime(body, 'expires_at');
      const duration = optionalString(body, 'duration', 10, DURATION);
      if (expiresAt && duration) throw badInput('duration', 'give expires_at or duration, not both');
      if (duration) expiresAt = new Date(ctx.deps.now() + durationMs(duration)).toISOString();
      if (expiresAt && Date.parse(expiresAt) <= ctx.deps.now()) throw badInput('expires_at', 'expires_at must be in the future');
      if (principal.role === 'team-admin') {
        if (team && team !== principal.team) throw forbidden(`a team-admin of ${principal.team} cannot create keys for team ${team}`);
        team = principal.team;
      }
      await checkRefs(ctx.deps.store, principal.org, team, user);
      const secret = newSecret(environment);
      const input: NewApiKey = {
        name,
        key_sha256: sha256Hex(secret),
        key_prefix: secret.slice(0, PREFIX_LENGTH),
        team: team ?? null,
        user: user ?? null,
        environment: environment ?? null,
        role: role ?? null,
        expires_at: expiresAt ?? null,
        ...limitFields,
      };
      const key = await ctx.deps.store.createKey(principal.org, input);
      ctx.deps.keys.invalidate();
      ctx.deps.logger.info({ org: principal.org, keyId: key.id, by: principal.tokenId }, 'key created');
      return { status: 201, body: { ...keyJson(key, ctx.deps.now()), key: secret } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/keys',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      const principal = principalOf(ctx);
      const team = principal.role === 'team-admin' ? (principal.team as string) : (ctx.query.get('team') ?? undefined);
      const user = ctx.query.get('user') ?? undefined;
      const includeRevoked = ctx.query.get('include_revoked') === 'true';
      const keys = await ctx.deps.store.listKeys(orgOf(ctx), { ...(team ? { team } : {}), ...(user ? { user } : {}), include_revoked: includeRevoked });
      const now = ctx.deps.now();
      return { status: 200, body: { data: keys.map((k) => keyJson(k, now)) } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/keys/:id',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      return { status: 200, body: keyJson(await visibleKey(ctx), ctx.deps.now()) };
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/keys/:id',
    auth: { by: 'admin', access: 'write', teamScoped: true },
    async handle(ctx) {
      const body = await readJsonObject(ctx.req);
      onlyFields(body, PATCH_FIELDS);
      const patch: ApiKeyPatch = { ...limits(body) };
      if (body.name !== undefined) patch.name = requiredString(body, 'name');
      const environment = optionalString(body, 'environment', 64);
      if (environment !== undefined) patch.environment = environment;
      const role = optionalString(body, 'role', 64);
      if (role !== undefined) patch.role = role;
      const expiresAt = optionalIsoTime(body, 'expires_at');
      if (expiresAt !== undefined) patch.expires_at = expiresAt;
      const key = await visibleKey(ctx);
      const updated = await ctx.deps.store.updateKey(key.org, key.id, patch);
      if (!updated) throw notFound(`no key ${key.id}`);
      ctx.deps.keys.invalidate();
      return { status: 200, body: keyJson(updated, ctx.deps.now()) };
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/keys/:id',
    auth: { by: 'admin', access: 'write', teamScoped: true },
    async handle(ctx) {
      const key = await visibleKey(ctx);
      const revoked = await ctx.deps.store.revokeKey(key.org, key.id);
      if (!revoked) throw notFound(`no key ${key.id}`);
      ctx.deps.keys.invalidate();
      ctx.deps.logger.info({ org: key.org, keyId: key.id, by: principalOf(ctx).tokenId }, 'key revoked');
      return { status: 200, body: keyJson(revoked, ctx.deps.now()) };
    },
  },
];
