// Remote config for SDKs (seed 000): the policy documents in force for the calling
// virtual key, with an ETag so a poll that finds nothing new costs a 304.
import { createHash } from 'node:crypto';
import type { Tenant } from '../../engine/types.js';
import { type RouteDef } from '../route.js';

function applies(document: unknown, tenant: Tenant): boolean {
  if (typeof document !== 'object' || document === null) return false;
  const doc = document as { scope?: Record<string, unknown>; environment?: unknown; environments?: unknown };
  const scope = doc.scope ?? {};
  const ids: Record<string, string | undefined> = { org: tenant.org, team: tenant.team, user: tenant.user, key: tenant.keyId };
  for (const level of ['org', 'team', 'user', 'key']) {
    if (scope[level] !== undefined && scope[level] !== ids[level]) return false;
  }
  const envs = doc.environments ?? doc.environment;
  if (envs === undefined) return true;
  const list = Array.isArray(envs) ? envs : [envs];
  return tenant.environment !== undefined && list.includes(tenant.environment);
}

export const configRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/api/v1/config',
    auth: { by: 'key' },
    async handle(ctx) {
      if (ctx.caller.kind !== 'key') throw new Error('config needs a virtual key');
      const { tenant } = ctx.caller;
      const policies = ctx.deps.registry.documentsFor(tenant.org).filter((d) => applies(d, tenant));
      const revision = ctx.deps.registry.policiesFor(tenant).revision;
      const body = {
        org: tenant.org,
        team: tenant.team ?? null,
        user: tenant.user ?? null,
        key_id: tenant.keyId ?? null,
        environment: tenant.environment ?? null,
        revision,
        policies,
      };
      const text = JSON.stringify(body);
      const etag = `"${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`;
      const headers = { etag, 'cache-control': 'no-cache' };
      const presented = ctx.req.headers['if-none-match'];
      if (presented && presented.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)) return { status: 304, headers };
      return { status: 200, body, headers };
    },
  },
];
