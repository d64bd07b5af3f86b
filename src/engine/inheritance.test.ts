import { describe, expect, it } from 'vitest';
import { NOW, compile, fixedPricing, policy, request, tenant } from './test-helpers.js';
import type { Decision } from './types.js';

const ran = (d: Decision) => d.outcomes.map((o) => `${o.policy}/${o.rule}:${o.outcome}`);
const blockModel = (model: string, name = 'model_access') => ({ type: 'model_access', name, blocked_models: [model] });
const flagWord = (word: string, name: string) => ({ type: 'content_filter', name, keywords: [word], action: 'flag' });

describe('scopes', () => {
  const set = compile([
    policy([blockModel('m-global')], { policy_name: 'global' }),
    policy([blockModel('m-org')], { policy_name: 'org', scope: { org: 'acme' } }),
    policy([blockModel('m-team')], { policy_name: 'team', scope: { org: 'acme', team: 'search' } }),
    policy([blockModel('m-user')], { policy_name: 'user', scope: { org: 'acme', user: 'dev@acme.com' } }),
    policy([blockModel('m-key')], { policy_name: 'key', scope: { org: 'acme', key: 'key_1' } }),
  ]);

  it('applies global, org, team, user and key policies to the caller they name, in that order', () => {
    const d = set.decide(request(), tenant(), NOW);
    expect(ran(d)).toEqual(['global/model_access:pass', 'org/model_access:pass', 'team/model_access:pass', 'user/model_access:pass', 'key/model_access:pass']);
  });

  it('levels add up: a narrower policy cannot lift an org block', () => {
    expect(set.decide(request({ model: 'm-org' }), tenant(), NOW)).toMatchObject({ action: 'block', policy: 'org' });
    expect(set.decide(request({ model: 'm-key' }), tenant(), NOW)).toMatchObject({ action: 'block', policy: 'key' });
  });

  it('leaves out the policies of other orgs, teams, users and keys', () => {
    const other = tenant({ org: 'globex', team: 'search', user: 'dev@acme.com', keyId: 'key_1' });
    expect(ran(set.decide(request(), other, NOW))).toEqual(['global/model_access:pass']);
    const teammate = tenant({ user: 'ops@acme.com', keyId: 'key_2' });
    expect(ran(set.decide(request(), teammate, NOW))).toEqual(['global/model_access:pass', 'org/model_access:pass', 'team/model_access:pass']);
    const noTeam = tenant({ team: undefined, user: undefined, keyId: undefined });
    expect(ran(set.decide(request(), noTeam, NOW))).toEqual(['global/model_access:pass', 'org/model_access:pass']);
  });

  it('applies a scope without org to every org (single-tenant use)', () => {
    const anyOrg = compile([policy([blockModel('gpt-4o')], { scope: { team: 'search' } })]);
    expect(anyOrg.decide(request({ model: 'gpt-4o' }), tenant({ org: 'globex' }), NOW).action).toBe('block');
    expect(anyOrg.decide(request({ model: 'gpt-4o' }), tenant({ org: 'globex', team: 'ads' }), NOW).action).toBe('allow');
  });

  it('skips a disabled policy entirely', () => {
    const off = compile([policy([blockModel('gpt-4o')], { enabled: false })]);
    const d = off.decide(request({ model: 'gpt-4o' }), tenant(), NOW);
    expect(d.action).toBe('allow');
    expect(d.outcomes).toEqual([]);
    expect(off.ruleCount).toBe(0);
  });
});

describe('evaluation order', () => {
  it('runs rules by stage first (access, limits, budgets, content, approval, routing), then by level', () => {
    const set = compile([
      policy(
        [
          { type: 'model_downgrade', fallback: 'gpt-4o-mini', models: ['nothing'] },
          { type: 'approval_threshold', threshold_usd: 100 },
          flagWord('zzz', 'content_filter'),
          { type: 'max_cost_per_request', max_usd: 100 },
          { type: 'token_ceiling', max_input_tokens: 1000 },
        ],
        { policy_name: 'org', scope: { org: 'acme' } },
      ),
      policy([{ type: 'model_access', models: ['gpt-*'] }, flagWord('yyy', 'team_words')], { policy_name: 'team', scope: { org: 'acme', team: 'search' } }),
    ]);
    const d = set.decide(request(), tenant(), NOW);
    expect(d.outcomes.map((o) => `${o.stage}:${o.policy}/${o.rule}`)).toEqual([
      'access:team/model_access',
      'limits:org/token_ceiling',
      'budgets:org/max_cost_per_request',
      'content:org/content_filter',
      'content:team/team_words',
      'approval:org/approval_threshold',
      'routing:org/model_downgrade',
    ]);
  });

  it('keeps document order within one stage and level', () => {
    const set = compile([policy([flagWord('a', 'first'), flagWord('b', 'second')], { policy_name: 'p1' }), policy([flagWord('c', 'third')], { policy_name: 'p2' })]);
    expect(set.decide(request(), tenant(), NOW).outcomes.map((o) => o.rule)).toEqual(['first', 'second', 'third']);
  });

  it('stops at the first enforcing block: later rules do not run', () => {
    const set = compile([policy([{ type: 'token_ceiling', max_input_tokens: 1 }, flagWord('hello', 'words'), { type: 'model_downgrade', fallback: 'x' }])]);
    const d = set.decide(request(), tenant(), NOW);
    expect(d).toMatchObject({ action: 'block', rule: 'token_ceiling' });
    expect(ran(d)).toEqual(['test_policy/token_ceiling:block']);
    expect(d.modifications).toEqual({ redactions: [] });
  });

  it('lets later rules still block an escalated call, and escalates otherwise', () => {
    const escalateThenBlock = compile([policy([{ type: 'approval_threshold', threshold_usd: 0.000001 }, { type: 'model_downgrade', fallback: 'x' }, { type: 'token_ceiling', max_input_tokens: 1 }])]);
    // token_ceiling (limits) runs before approval, so it blocks first.
    expect(escalateThenBlock.decide(request(), tenant(), NOW)).toMatchObject({ action: 'block', rule: 'token_ceiling' });
    const escalateOnly = compile([policy([{ type: 'approval_threshold', threshold_usd: 0.000001 }, { type: 'model_downgrade', fallback: 'gpt-4o-mini', models: ['gpt-4o'] }])], {
      pricing: fixedPricing({ 'gpt-4o': [10, 10], 'gpt-4o-mini': [1, 1] }),
    });
    const d = escalateOnly.decide(request({ model: 'gpt-4o' }), tenant(), NOW);
    // Escalation does not end evaluation; the routing rule still ran, but the decision escalates.
    expect(d).toMatchObject({ action: 'escalate', code: 'approval_required', rule: 'approval_threshold' });
    expect(d.outcomes.map((o) => o.rule)).toEqual(['approval_threshold', 'model_downgrade']);
  });

  it('folds several modifications into one decision, named after the first modifying rule', () => {
    const set = compile([policy([{ type: 'content_filter', keywords: ['secret'], action: 'redact' }, { type: 'model_downgrade', fallback: 'gpt-4o-mini', models: ['gpt-4o'] }])]);
    const d = set.decide(request({ model: 'gpt-4o', prompt: 'a secret' }), tenant(), NOW);
    expect(d).toMatchObject({ action: 'modify', rule: 'content_filter' });
    expect(d.reason).toBe('redacted 1 match(es) of: secret; model gpt-4o downgraded to gpt-4o-mini');
    expect(d.modifications.model).toEqual({ from: 'gpt-4o', to: 'gpt-4o-mini', rule: 'model_downgrade' });
    expect(d.modifications.messages?.[0]?.content).toBe('a [REDACTED]');
  });
});

describe('environment overrides', () => {
  const set = compile([
    policy([{ type: 'token_ceiling', max_input_tokens: 1000 }, flagWord('hello', 'words')], { policy_name: 'general', scope: { org: 'acme' } }),
    policy([{ type: 'token_ceiling', max_input_tokens: 20 }], { policy_name: 'dev_only', scope: { org: 'acme' }, environment: 'development' }),
  ]);

  it('replaces the general policy rules of the same type in that environment', () => {
    const d = set.decide(request({ prompt: 'x'.repeat(100) }), tenant({ environment: 'development' }), NOW);
    expect(d).toMatchObject({ action: 'block', policy: 'dev_only', rule: 'token_ceiling' });
    expect(d.outcomes.filter((o) => o.type === 'token_ceiling').map((o) => o.policy)).toEqual(['dev_only']);
  });

  it('keeps the general policy rules of other types', () => {
    const d = set.decide(request({ prompt: 'hello' }), tenant({ environment: 'development' }), NOW);
    expect(ran(d)).toEqual(['dev_only/token_ceiling:pass', 'general/words:flag']);
  });

  it('applies the general policy alone in other environments and without one', () => {
    for (const environment of ['production', undefined]) {
      const d = set.decide(request({ prompt: 'x'.repeat(100) }), tenant({ environment }), NOW);
      expect(d.action).toBe('allow');
      expect(d.outcomes.map((o) => o.policy)).toEqual(['general', 'general']);
    }
  });

  it('matches any environment of a list, given as environment or environments', () => {
    const listed = compile([policy([{ type: 'token_ceiling', max_input_tokens: 1 }], { environments: ['dev', 'staging'] })]);
    expect(listed.decide(request(), tenant({ environment: 'staging' }), NOW).action).toBe('block');
    expect(listed.decide(request(), tenant({ environment: 'production' }), NOW).action).toBe('allow');
  });

  it('only overrides at the same level: an org environment policy adds to a global general one', () => {
    const layered = compile([
      policy([{ type: 'token_ceiling', max_input_tokens: 5 }], { policy_name: 'global' }),
      policy([{ type: 'token_ceiling', max_input_tokens: 1000 }], { policy_name: 'org_dev', scope: { org: 'acme' }, environment: 'development' }),
    ]);
    const d = layered.decide(request({ prompt: 'x'.repeat(100) }), tenant({ environment: 'development' }), NOW);
    expect(d).toMatchObject({ action: 'block', policy: 'global' });
  });

  it('caches the resolution per caller without mixing environments', () => {
    expect(set.decide(request({ prompt: 'x'.repeat(100) }), tenant({ environment: 'development' }), NOW).action).toBe('block');
    expect(set.decide(request({ prompt: 'x'.repeat(100) }), tenant({ environment: 'production' }), NOW).action).toBe('allow');
    expect(set.decide(request({ prompt: 'x'.repeat(100) }), tenant({ environment: 'development' }), NOW).action).toBe('block');
  });
});
