// The four org-wide policy types of the Policies seed (seed 001) as Warden stores and
// enforces them. The seed only flags; Warden flags by default too, and with
// `"mode": "enforce"` the same policy blocks (or escalates) at the gateway. Each type
// maps onto one rule kind of the engine, so the gateway, the SDK and the ingest path
// judge an event with the same code.
import RE2 from 're2';
import type { OrgPolicy, OrgPolicyType } from '../store/store.js';

export type SeedPolicyMode = 'monitor' | 'enforce';

/** Where the mode is kept inside the stored config; stripped before the config is shown. */
export const MODE_FIELD = '_mode';

/** A config that failed validation: `field` is the path as the API names it. */
export interface SeedConfigIssue {
  field: string;
  message: string;
}

function stringList(config: Record<string, unknown>, field: string, issues: SeedConfigIssue[], maxLength = 2000): string[] {
  const value = config[field];
  if (!Array.isArray(value)) {
    issues.push({ field: `config.${field}`, message: `${field} must be an array of strings` });
    return [];
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item.length === 0 || item.length > maxLength) {
      issues.push({ field: `config.${field}[${i}]`, message: `${field}[${i}] must be a non-empty string of at most ${maxLength} characters` });
    } else {
      out.push(item);
    }
  });
  if (value.length > 5000) issues.push({ field: `config.${field}`, message: `${field} holds at most 5000 entries` });
  return out;
}

function onlyFields(config: Record<string, unknown>, allowed: readonly string[], issues: SeedConfigIssue[]): void {
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) issues.push({ field: `config.${key}`, message: `unknown field ${key} (expected ${allowed.join(', ')})` });
  }
}

/**
 * Validates a seed policy config. Unlike the seed, which skips an invalid regex silently,
 * Warden refuses it: a pattern that never matches is a silent hole in a policy.
 */
export function validateSeedConfig(type: OrgPolicyType, config: unknown): SeedConfigIssue[] {
  const issues: SeedConfigIssue[] = [];
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return [{ field: 'config', message: 'config must be an object' }];
  }
  const c = config as Record<string, unknown>;
  switch (type) {
    case 'approved_models':
      onlyFields(c, ['models'], issues);
      stringList(c, 'models', issues, 200);
      break;
    case 'banned_patterns': {
      onlyFields(c, ['regexes'], issues);
      stringList(c, 'regexes', issues).forEach((pattern, i) => {
        try {
          new RE2(pattern, 'u');
        } catch (err) {
          issues.push({ field: `config.regexes[${i}]`, message: `invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message} (patterns run in RE2: no lookaround or backreferences)` });
        }
      });
      break;
    }
    case 'key_environment_check':
      onlyFields(c, ['prod_key_prefixes', 'allowed_envs'], issues);
      stringList(c, 'prod_key_prefixes', issues, 16);
      stringList(c, 'allowed_envs', issues, 64);
      break;
    case 'approval_required_threshold_cents': {
      onlyFields(c, ['threshold_cents'], issues);
      const t = c.threshold_cents;
      if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) issues.push({ field: 'config.threshold_cents', message: 'threshold_cents must be an integer >= 0' });
      break;
    }
  }
  return issues;
}

export function seedPolicyMode(policy: Pick<OrgPolicy, 'config'>): SeedPolicyMode {
  return policy.config[MODE_FIELD] === 'enforce' ? 'enforce' : 'monitor';
}

/** The config as the client wrote it (without the stored mode). */
export function publicSeedConfig(policy: Pick<OrgPolicy, 'config'>): Record<string, unknown> {
  const { [MODE_FIELD]: _mode, ...rest } = policy.config;
  return rest;
}

/** The engine rule of one seed policy, or undefined when its config disables the check. */
export function seedPolicyRule(type: OrgPolicyType, config: Record<string, unknown>, mode: SeedPolicyMode): Record<string, unknown> | undefined {
  const enforce = mode === 'enforce';
  const list = (field: string) => (Array.isArray(config[field]) ? (config[field] as string[]) : []);
  switch (type) {
    case 'approved_models': {
      const models = list('models');
      // The seed: "Empty list disables the check".
      return models.length ? { type: 'model_access', name: type, models, action: enforce ? 'block' : 'flag' } : undefined;
    }
    case 'banned_patterns': {
      const regexes = list('regexes');
      return regexes.length ? { type: 'content_filter', name: type, regexes, case_sensitive: true, action: enforce ? 'block' : 'flag' } : undefined;
    }
    case 'key_environment_check': {
      const prefixes = list('prod_key_prefixes');
      const envs = list('allowed_envs');
      return prefixes.length && envs.length ? { type: 'key_environment_check', name: type, prod_key_prefixes: prefixes, allowed_envs: envs, action: enforce ? 'block' : 'flag' } : undefined;
    }
    case 'approval_required_threshold_cents': {
      const cents = typeof config.threshold_cents === 'number' ? config.threshold_cents : 0;
      // "0 disables the check"; an unknown price cannot meet a threshold, so it is let through here.
      return cents > 0 ? { type: 'approval_threshold', name: type, threshold_cents: cents, unknown_price: 'allow', action: enforce ? 'escalate' : 'flag' } : undefined;
    }
  }
}

/**
 * The policy document an org's enabled seed policies compile to, scoped to the org, or
 * undefined when none applies. A monitor policy's rule flags (records the match, changes
 * nothing), so both modes fit in one document. Disabled policies add nothing.
 */
export function seedPolicyDocument(org: string, policies: readonly OrgPolicy[]): Record<string, unknown> | undefined {
  const rules: Record<string, unknown>[] = [];
  for (const policy of policies) {
    if (!policy.enabled) continue;
    const rule = seedPolicyRule(policy.policy_type, publicSeedConfig(policy), seedPolicyMode(policy));
    if (rule) rules.push(rule);
  }
  if (!rules.length) return undefined;
  return { policy_name: SEED_POLICY_NAME, description: 'seed-001 org policies (/api/v1/policies)', scope: { org }, rules };
}

/** The `policy` decisions name for a seed policy's rule. */
export const SEED_POLICY_NAME = 'org_policies';
