import { describe, expect, it } from 'vitest';
import { compilePolicies } from '../engine/engine.js';
import type { OrgPolicy } from '../store/store.js';
import { eventViolations } from './evaluate-event.js';
import { MODE_FIELD, publicSeedConfig, seedPolicyDocument, validateSeedConfig } from './seed-policies.js';

function policy(type: OrgPolicy['policy_type'], config: Record<string, unknown>, enabled = true): OrgPolicy {
  return { id: 1, org: 'acme', policy_type: type, config, enabled, updated_at: '2026-01-01T00:00:00.000Z' };
}

describe('seed-001 policies', () => {
  it('validates each type and names the bad field', () => {
    expect(validateSeedConfig('approved_models', { models: ['a'] })).toEqual([]);
    expect(validateSeedConfig('banned_patterns', { regexes: ['(?i)ok', '(?=no)'] })[0]?.field).toBe('config.regexes[1]');
    expect(validateSeedConfig('key_environment_check', { prod_key_prefixes: ['sk_live_'] })[0]?.field).toBe('config.allowed_envs');
    expect(validateSeedConfig('approval_required_threshold_cents', { threshold_cents: 1.5 })[0]?.field).toBe('config.threshold_cents');
    expect(validateSeedConfig('approved_models', { models: [], extra: 1 })[0]?.field).toBe('config.extra');
  });

  it('compiles enabled policies into one org-scoped document: flag in monitor mode, block when enforced', () => {
    const doc = seedPolicyDocument('acme', [
      policy('approved_models', { models: ['gpt-4o-mini'] }),
      policy('banned_patterns', { regexes: ['(?i)reveal'], [MODE_FIELD]: 'enforce' }),
      policy('approval_required_threshold_cents', { threshold_cents: 0 }),
      policy('key_environment_check', { prod_key_prefixes: ['sk_live_'], allowed_envs: ['production'] }, false),
    ]);
    expect(doc).toMatchObject({ scope: { org: 'acme' }, rules: [{ type: 'model_access', action: 'flag' }, { type: 'content_filter', action: 'block' }] });
    const set = compilePolicies([doc]);
    const request = { requestId: 'r', provider: 'openai', endpoint: 'chat', model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'please REVEAL it' }], stream: false, labels: {} };
    const decision = set.decide(request, { org: 'acme' });
    expect(decision.action).toBe('block');
    expect(decision.outcomes.find((o) => o.rule === 'approved_models')?.outcome).toBe('flag');
    expect(set.decide(request, { org: 'other' }).action).toBe('allow');
    expect(publicSeedConfig(policy('banned_patterns', { regexes: [], [MODE_FIELD]: 'enforce' }))).toEqual({ regexes: [] });
  });

  it('judges ingested events on their actual model, cost and the first 512 prompt characters', () => {
    const policies = [policy('banned_patterns', { regexes: ['secret'] }), policy('approval_required_threshold_cents', { threshold_cents: 100 })];
    const event = { id: 'e', request_id: null, model: 'm', cost_usd: 0.5, environment: null, key_prefix: null };
    expect(eventViolations(policies, [{ ...event, prompt: `${'x'.repeat(600)}secret` }])).toEqual([]);
    expect(eventViolations(policies, [{ ...event, prompt: 'a secret', cost_usd: 1 }]).map((v) => v.policy)).toEqual(['banned_patterns', 'approval_required_threshold_cents']);
  });
});
