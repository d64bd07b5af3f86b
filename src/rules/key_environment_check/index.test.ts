import { describe, expect, it } from 'vitest';
import { NOW, compile, policy, request, ruleIssues, tenant } from '../../engine/test-helpers.js';
import type { Tenant } from '../../engine/types.js';

// Seed 001's example config.
const SEED = { type: 'key_environment_check', prod_key_prefixes: ['sk_live_', 'sk-ant-api03-'], allowed_envs: ['production'] };
const decide = (who: Partial<Tenant>, rule: Record<string, unknown> = SEED) => compile([policy([rule])]).decide(request(), tenant(who), NOW);

describe('key_environment_check config', () => {
  it('requires non-empty prod_key_prefixes and allowed_envs', () => {
    expect(ruleIssues({ type: 'key_environment_check' }).map((i) => i.path).sort()).toEqual(['rules[0].allowed_envs', 'rules[0].prod_key_prefixes']);
    expect(ruleIssues({ ...SEED, prod_key_prefixes: [] }).map((i) => i.path)).toEqual(['rules[0].prod_key_prefixes']);
    expect(ruleIssues({ ...SEED, allowed_envs: [] }).map((i) => i.path)).toEqual(['rules[0].allowed_envs']);
  });

  it('refuses a prefix longer than the 16 characters a tenant carries, naming the entry', () => {
    expect(ruleIssues({ ...SEED, prod_key_prefixes: ['sk_live_', 'sk-ant-api03-abcdefgh'] }).map((i) => i.path)).toEqual(['rules[0].prod_key_prefixes[1]']);
  });

  it('refuses actions other than block and flag', () => {
    expect(ruleIssues({ ...SEED, action: 'redact' }).map((i) => i.path)).toEqual(['rules[0].action']);
  });
});

describe('key_environment_check evaluation', () => {
  it('blocks a production key used in another environment', () => {
    const d = decide({ keyPrefix: 'sk_live_abc', environment: 'staging' });
    expect(d).toMatchObject({ action: 'block', code: 'key_environment_mismatch', rule: 'key_environment_check' });
    expect(d.reason).toBe('production key (prefix sk_live_) used in environment "staging"; allowed: production');
  });

  it('never puts more of the key in the reason than the configured prefix', () => {
    const d = decide({ keyPrefix: 'sk-ant-api03-XYZ', environment: 'dev' });
    expect(d.reason).toContain('prefix sk-ant-api03-)');
    expect(JSON.stringify(d)).not.toContain('XYZ');
  });

  it('blocks a production key from a caller with no environment', () => {
    expect(decide({ keyPrefix: 'sk_live_abc', environment: undefined }).reason).toBe(
      'production key (prefix sk_live_) used in environment "unknown"; allowed: production',
    );
  });

  it('allows a production key in an allowed environment', () => {
    expect(decide({ keyPrefix: 'sk_live_abc', environment: 'production' }).action).toBe('allow');
  });

  it('allows a key without a production prefix anywhere', () => {
    expect(decide({ keyPrefix: 'sk_test_abc', environment: 'staging' }).action).toBe('allow');
  });

  it('skips, saying why, when the caller has no key prefix', () => {
    const d = decide({ keyPrefix: undefined, environment: 'staging' });
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'skip', reason: 'no key prefix known for this caller' });
  });

  it('with action flag records the mismatch and allows the call', () => {
    const d = decide({ keyPrefix: 'sk_live_abc', environment: 'staging' }, { ...SEED, action: 'flag' });
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'flag', code: 'key_environment_mismatch' });
  });
});
