import { describe, expect, it } from 'vitest';
import { NOW, compile, fixedPricing, policy, request, ruleIssues, tenant } from '../../engine/test-helpers.js';

const decide = (rule: Record<string, unknown>, req = request(), who = tenant()) =>
  compile([policy([{ type: 'model_access', ...rule }])]).decide(req, who, NOW);

describe('model_access config', () => {
  it('refuses a model list that is not a list of strings, naming the entry', () => {
    const issues = ruleIssues({ type: 'model_access', models: ['gpt-4o', 42] });
    expect(issues.map((i) => i.path)).toContain('rules[0].models[1]');
  });

  it('refuses an unknown field at its own path', () => {
    const issues = ruleIssues({ type: 'model_access', models: ['gpt-4o'], allowed: ['x'] });
    expect(issues).toContainEqual({ path: 'rules[0].allowed', message: 'unknown field' });
  });

  it('refuses a default model that is blocked or not allowed', () => {
    expect(ruleIssues({ type: 'model_access', blocked_models: ['gpt-4o'], default_model: 'gpt-4o' })).toEqual([
      { path: 'rules[0].default_model', message: 'default model "gpt-4o" is on blocked_models' },
    ]);
    expect(ruleIssues({ type: 'model_access', models: ['gpt-4o-mini'], default_model: 'gpt-4o' })).toEqual([
      { path: 'rules[0].default_model', message: 'default model "gpt-4o" is not in models' },
    ]);
  });

  it('refuses a non-positive max_cost_per_day and an unknown action', () => {
    const issues = ruleIssues({ type: 'model_access', models: ['gpt-4o'], max_cost_per_day: 0, action: 'throttle' });
    expect(issues.map((i) => i.path).sort()).toEqual(['rules[0].action', 'rules[0].max_cost_per_day']);
  });

  it('accepts the seed 002 policy document exactly as written', () => {
    const seed = {
      policy_name: 'dev_team_restrictions',
      environment: 'development',
      rules: [
        { type: 'model_access', models: ['gpt-4o-mini', 'claude-3-haiku'], max_cost_per_day: 100.0 },
        { type: 'content_filter', patterns: ['password', 'api_key'], action: 'block' },
      ],
    };
    expect(() => compile([seed])).not.toThrow();
  });
});

describe('model_access evaluation', () => {
  it('allows a model on the allowlist, including its dated id', () => {
    expect(decide({ models: ['gpt-4o-mini'] }).action).toBe('allow');
    expect(decide({ models: ['claude-3-haiku'] }, request({ model: 'claude-3-haiku-20240307' })).action).toBe('allow');
  });

  it('matches a "prefix*" entry and ignores case', () => {
    expect(decide({ models: ['claude-*'] }, request({ model: 'claude-sonnet-4-5' })).action).toBe('allow');
    expect(decide({ models: ['GPT-4o-Mini'] }).action).toBe('allow');
  });

  it('blocks a model outside the allowlist with model_not_allowed and names the list', () => {
    const d = decide({ models: ['gpt-4o-mini', 'claude-3-haiku'] }, request({ model: 'gpt-4o' }));
    expect(d.action).toBe('block');
    expect(d.code).toBe('model_not_allowed');
    expect(d.rule).toBe('model_access');
    expect(d.policy).toBe('test_policy');
    expect(d.reason).toBe('model "gpt-4o" is not in the allowed models (gpt-4o-mini, claude-3-haiku)');
  });

  it('does not let a dated id of another model through an exact entry', () => {
    expect(decide({ models: ['gpt-4o'] }, request({ model: 'gpt-4o-mini' })).action).toBe('block');
  });

  it('blocks a blocklisted model even when no allowlist is set', () => {
    const exact = decide({ blocked_models: ['gpt-4'] }, request({ model: 'gpt-4' }));
    expect(exact).toMatchObject({ action: 'block', code: 'model_not_allowed', reason: 'model "gpt-4" is blocked' });
    expect(decide({ blocked_models: ['gpt-4'] }, request({ model: 'gpt-4-2024-05-13' })).action).toBe('block');
  });

  it('blocks the snapshots of a blocklisted model, but not other variants', () => {
    // `-0613` is a snapshot suffix: `gpt-4` covers it. `-turbo` and `o` make other models.
    expect(decide({ blocked_models: ['gpt-4'] }, request({ model: 'gpt-4-0613' })).action).toBe('block');
    expect(decide({ blocked_models: ['gpt-4'] }, request({ model: 'gpt-4-turbo' })).action).toBe('allow');
    expect(decide({ blocked_models: ['gpt-4'] }, request({ model: 'gpt-4o' })).action).toBe('allow');
    expect(decide({ blocked_models: ['gpt-4*'] }, request({ model: 'gpt-4-turbo' })).action).toBe('block');
  });

  it('checks the blocklist before the allowlist', () => {
    const d = decide({ models: ['gpt-*'], blocked_models: ['gpt-4o'] }, request({ model: 'gpt-4o' }));
    expect(d.reason).toBe('model "gpt-4o" is blocked');
  });

  it('fills in the default model when the request names none', () => {
    const d = decide({ models: ['gpt-4o-mini'], default_model: 'gpt-4o-mini' }, request({ model: undefined }));
    expect(d.action).toBe('modify');
    expect(d.modifications.model).toEqual({ from: undefined, to: 'gpt-4o-mini', rule: 'model_access' });
    expect(d.reason).toBe('no model given; using default "gpt-4o-mini"');
    // The estimate is made for the model that will actually be called.
    expect(d.estimate.model).toBe('gpt-4o-mini');
  });

  it('refuses a request without a model when there is an allowlist and no default', () => {
    const d = decide({ models: ['gpt-4o-mini'] }, request({ model: undefined }));
    expect(d).toMatchObject({ action: 'block', code: 'model_required' });
  });

  it('lets a request without a model through when only a blocklist is set', () => {
    expect(decide({ blocked_models: ['gpt-4'] }, request({ model: undefined })).action).toBe('allow');
  });

  it('only applies to the listed roles', () => {
    const rule = { models: ['gpt-4o-mini'], roles: ['intern'] };
    const other = decide(rule, request({ model: 'gpt-4o' }), tenant({ role: 'admin' }));
    expect(other.action).toBe('allow');
    expect(other.outcomes[0]).toMatchObject({ outcome: 'skip', reason: 'applies to roles intern' });
    expect(decide(rule, request({ model: 'gpt-4o' }), tenant({ role: 'intern' })).action).toBe('block');
  });

  it('with action flag records the violation but allows the call', () => {
    const d = decide({ models: ['gpt-4o-mini'], action: 'flag' }, request({ model: 'gpt-4o' }));
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'flag', code: 'model_not_allowed' });
  });

  it('turns max_cost_per_day into a daily usd claim on the policy scope', () => {
    const set = compile([policy([{ type: 'model_access', models: ['gpt-4o-mini'], max_cost_per_day: 100 }], { scope: { org: 'acme', team: 'search' } })]);
    const d = set.decide(request({ maxOutputTokens: 1000 }), tenant(), NOW);
    expect(d.action).toBe('allow');
    // 'hello' = 3 + 4 + 2 = 9 input tokens at $1/MTok, 1000 output at $2/MTok.
    const amount = (9 * 1 + 1000 * 2) / 1e6;
    expect(d.claims).toEqual([{ policy: 'test_policy', rule: 'model_access', scope: 'team:acme/search', metric: 'usd', window: 'day', limit: 100, amount }]);
  });

  // Regression: a request naming no model once skipped the daily budget.
  it('reserves the daily budget also when the default model was filled in', () => {
    const set = compile([policy([{ type: 'model_access', models: ['gpt-4o-mini'], default_model: 'gpt-4o-mini', max_cost_per_day: 100 }])]);
    const d = set.decide(request({ model: undefined, maxOutputTokens: 1000 }), tenant(), NOW);
    expect(d.action).toBe('modify');
    expect(d.claims).toHaveLength(1);
  });

  it('blocks instead of reserving a zero when the daily-capped model has no price', () => {
    const set = compile([policy([{ type: 'model_access', models: ['mystery-*'], max_cost_per_day: 5 }])], { pricing: fixedPricing({}) });
    const d = set.decide(request({ model: 'mystery-1' }), tenant(), NOW);
    expect(d).toMatchObject({ action: 'block', code: 'unknown_model_price' });
    expect(d.claims).toEqual([]);
  });
});
