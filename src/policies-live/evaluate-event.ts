// Seed 001 at ingest: every org policy (monitor or enforce) is evaluated against each
// journaled event, and what matches becomes a violation in the alerts feed. Events report
// what happened (actual model, actual cost), so they are judged on those, not estimates.
import RE2 from 're2';
import { modelMatcher } from '../engine/model-match.js';
import type { NewViolation, OrgPolicy } from '../store/store.js';
import { publicSeedConfig } from './seed-policies.js';

/** The seed scans only the start of each prompt. */
export const SCANNED_PROMPT_CHARS = 512;

export interface IngestedEvent {
  id: string;
  request_id: string | null;
  model: string;
  cost_usd: number | null;
  environment: string | null;
  prompt: string | null;
  /** The first characters of the provider key the SDK used, when it reports them. */
  key_prefix: string | null;
}

type Check = (event: IngestedEvent) => string | undefined;

function list(config: Record<string, unknown>, field: string): string[] {
  const value = config[field];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function checkOf(policy: OrgPolicy): Check | undefined {
  const config = publicSeedConfig(policy);
  switch (policy.policy_type) {
    case 'approved_models': {
      const models = list(config, 'models');
      if (!models.length) return undefined;
      const allowed = modelMatcher(models);
      return (e) => (allowed(e.model) ? undefined : `model "${e.model}" is not in the approved models`);
    }
    case 'banned_patterns': {
      const patterns = list(config, 'regexes').flatMap((source) => {
        try {
          return [{ source, regex: new RE2(source, 'u') }];
        } catch {
          return [];
        }
      });
      if (!patterns.length) return undefined;
      return (e) => {
        if (!e.prompt) return undefined;
        const head = e.prompt.slice(0, SCANNED_PROMPT_CHARS);
        const hit = patterns.filter((p) => p.regex.test(head)).map((p) => p.source);
        return hit.length ? `prompt matched banned pattern(s): ${hit.join(', ')}` : undefined;
      };
    }
    case 'key_environment_check': {
      const prefixes = list(config, 'prod_key_prefixes');
      const envs = new Set(list(config, 'allowed_envs'));
      if (!prefixes.length) return undefined;
      return (e) => {
        const prefix = e.key_prefix ? prefixes.find((p) => (e.key_prefix as string).startsWith(p)) : undefined;
        if (!prefix || (e.environment && envs.has(e.environment))) return undefined;
        return `production key (prefix ${prefix}) used in environment "${e.environment ?? 'unknown'}"`;
      };
    }
    case 'approval_required_threshold_cents': {
      const cents = typeof config.threshold_cents === 'number' ? config.threshold_cents : 0;
      if (cents <= 0) return undefined;
      return (e) => (e.cost_usd !== null && e.cost_usd * 100 >= cents ? `cost ${(e.cost_usd * 100).toFixed(2)} cents meets the review threshold of ${cents} cents` : undefined);
    }
  }
}

/** The violations of a batch of events under the org's enabled seed policies. */
export function eventViolations(policies: readonly OrgPolicy[], events: readonly IngestedEvent[]): NewViolation[] {
  const checks = policies.filter((p) => p.enabled).flatMap((p) => {
    const check = checkOf(p);
    return check ? [{ policy: p, check }] : [];
  });
  const out: NewViolation[] = [];
  for (const event of events) {
    for (const { policy, check } of checks) {
      const reason = check(event);
      if (reason) out.push({ event_id: event.id, request_id: event.request_id, policy: policy.policy_type, rule: policy.policy_type, severity: 'warning', reason });
    }
  }
  return out;
}
