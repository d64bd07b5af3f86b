// Seed 001, exactly: `GET /api/v1/policies` and `PUT /api/v1/policies/{policy_type}` with
// the seed's shapes. Warden's one extension is `"mode": "enforce"` (default `monitor`,
// which flags like the seed); it is echoed only when it is `enforce`, so seed clients see
// the seed's shapes unchanged.
import { MODE_FIELD, publicSeedConfig, seedPolicyMode, validateSeedConfig } from '../../policies-live/seed-policies.js';
import { ORG_POLICY_TYPES, type OrgPolicy, type OrgPolicyType } from '../../store/store.js';
import { badInput, notFound } from '../admin-error.js';
import { onlyFields, optionalBoolean } from '../fields.js';
import { readJsonObject } from '../http-io.js';
import { type RouteDef, orgOf } from '../route.js';

export function orgPolicyJson(policy: OrgPolicy, withUpdatedAt: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { id: policy.id, policy_type: policy.policy_type, config: publicSeedConfig(policy), enabled: policy.enabled };
  if (withUpdatedAt) out.updated_at = policy.updated_at.replace(/\.\d{3}Z$/, '+00:00').replace(/Z$/, '+00:00');
  if (seedPolicyMode(policy) === 'enforce') out.mode = 'enforce';
  return out;
}

export const orgPolicyRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/api/v1/policies',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const policies = await ctx.deps.store.listOrgPolicies(orgOf(ctx));
      return { status: 200, body: { policies: policies.map((p) => orgPolicyJson(p, true)) } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/policies/:type',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const type = ctx.params.type as string;
      if (!ORG_POLICY_TYPES.includes(type as OrgPolicyType)) throw notFound(`no policy type ${type}; one of ${ORG_POLICY_TYPES.join(', ')}`);
      const policy = await ctx.deps.store.getOrgPolicy(orgOf(ctx), type as OrgPolicyType);
      if (!policy) throw notFound(`no ${type} policy is set`);
      return { status: 200, body: orgPolicyJson(policy, true) };
    },
  },
  {
    method: 'PUT',
    path: '/api/v1/policies/:type',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      const type = ctx.params.type as string;
      if (!ORG_POLICY_TYPES.includes(type as OrgPolicyType)) {
        ctx.req.resume();
        throw badInput('policy_type', `policy_type must be one of ${ORG_POLICY_TYPES.join(', ')}`);
      }
      const body = await readJsonObject(ctx.req);
      onlyFields(body, ['config', 'enabled', 'mode']);
      if (body.config === undefined) throw badInput('config', 'config is required');
      const issues = validateSeedConfig(type as OrgPolicyType, body.config);
      if (issues.length) throw badInput(issues[0]!.field, issues[0]!.message, { issues });
      const enabled = optionalBoolean(body, 'enabled') ?? true;
      const mode = body.mode;
      if (mode !== undefined && mode !== 'enforce' && mode !== 'monitor') throw badInput('mode', 'mode must be "monitor" (flag only, the default) or "enforce" (block at the gateway)');
      const config = { ...(body.config as Record<string, unknown>), ...(mode === 'enforce' ? { [MODE_FIELD]: 'enforce' } : {}) };
      const org = orgOf(ctx);
      const policy = await ctx.deps.store.upsertOrgPolicy(org, type as OrgPolicyType, { config, enabled });
      await ctx.deps.registry.changed(org);
      return { status: 200, body: orgPolicyJson(policy, false) };
    },
  },
];
