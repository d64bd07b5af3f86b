import { describe, expect, it } from 'vitest';
import { CONDITION_VARIABLES } from './conditions.js';
import { NOW, SATURDAY, compile, issuesOf, policy, request, tenant } from './test-helpers.js';
import type { LlmRequest, Tenant } from './types.js';

/** A rule that always blocks when it applies, so the decision shows whether `when` held. */
const guarded = (when: string) => ({ type: 'token_ceiling', max_input_tokens: 1, when });
const applies = (when: string, req: Partial<LlmRequest> = {}, who: Partial<Tenant> = {}, now = NOW) =>
  compile([policy([guarded(when)])]).decide(request(req), tenant(who), now).action === 'block';

describe('condition variables', () => {
  // Each variable with an expression that is true for the given request and false for the default one.
  const cases: Record<keyof typeof CONDITION_VARIABLES, [string, Partial<LlmRequest>, Partial<Tenant>?, number?]> = {
    model: ['model == "gpt-4o"', { model: 'gpt-4o' }],
    provider: ['provider == "anthropic"', { provider: 'anthropic' }],
    endpoint: ['endpoint == "embeddings"', { endpoint: 'embeddings' }],
    labels: ['labels.plan == "free"', { labels: { plan: 'free' } }],
    org: ['org == "globex"', {}, { org: 'globex' }],
    team: ['team == ""', {}, { team: undefined }],
    user: ['user == "end@x.com"', { endUser: 'end@x.com' }, { user: undefined }],
    role: ['role == "intern"', {}, { role: 'intern' }],
    environment: ['environment == "production"', {}, { environment: 'production' }],
    session: ['session == "s1"', { sessionId: 's1' }],
    mission: ['mission == "m1"', { missionId: 'm1' }],
    stream: ['stream', { stream: true }],
    input_tokens: ['input_tokens > 100', { messages: [{ role: 'user', content: 'x'.repeat(800) }] }],
    max_output_tokens: ['max_output_tokens < 100', { maxOutputTokens: 50 }],
    estimated_cost_usd: ['estimated_cost_usd < 0.0', { model: 'unpriced' }],
    hour: ['hour >= 18', {}, {}, Date.parse('2025-01-15T19:00:00Z')],
    weekday: ['weekday == 6', {}, {}, SATURDAY],
  };

  for (const [name, [when, req, who, now]] of Object.entries(cases)) {
    it(`${name}: ${when}`, () => {
      expect(applies(when, req, who, now)).toBe(true);
      expect(applies(when)).toBe(false);
    });
  }

  it('covers every documented variable', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(CONDITION_VARIABLES).sort());
  });

  it('reads the estimated cost in USD and the defaults of max_output_tokens', () => {
    // 9 input tokens at $1/MTok + 4096 default output tokens at $2/MTok = $0.008201
    expect(applies('estimated_cost_usd > 0.0082 && estimated_cost_usd < 0.00821')).toBe(true);
    expect(applies('max_output_tokens == 4096')).toBe(true);
  });

  it('sees the model after a default was applied', () => {
    const set = compile([policy([{ type: 'model_access', default_model: 'gpt-4o-mini' }, guarded('model == "gpt-4o-mini"')])]);
    expect(set.decide(request({ model: undefined }), tenant(), NOW).action).toBe('block');
  });

  it('supports the usual CEL operators and functions', () => {
    expect(applies('model.startsWith("gpt-") && labels.size() == 0')).toBe(true);
    expect(applies('environment in ["development", "staging"]')).toBe(true);
    expect(applies('!stream || hour > 25')).toBe(true);
    expect(applies('model.contains("mini") && model.endsWith("mini")')).toBe(true);
  });
});

describe('missing labels', () => {
  it('skips the rule and records why when a label is absent', () => {
    const d = compile([policy([guarded('labels.plan == "free"')])]).decide(request(), tenant(), NOW);
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'skip' });
    expect(d.outcomes[0]?.reason).toMatch(/^when: .*plan/);
  });

  it('records "when: false" when the condition is simply false', () => {
    const d = compile([policy([guarded('labels.plan == "free"')])]).decide(request({ labels: { plan: 'pro' } }), tenant(), NOW);
    expect(d.outcomes[0]).toMatchObject({ outcome: 'skip', reason: 'when: false' });
  });

  it('can be guarded with has() or "in"', () => {
    expect(applies('has(labels.plan) && labels.plan == "free"', { labels: { plan: 'free' } })).toBe(true);
    const d = compile([policy([guarded('"plan" in labels && labels.plan == "free"')])]).decide(request(), tenant(), NOW);
    expect(d.outcomes[0]).toMatchObject({ outcome: 'skip', reason: 'when: false' });
  });
});

describe('label comparisons (evaluated without the interpreter)', () => {
  // Each shape against the interpreter's own answer: `== "free"` wrapped in `true && (...)`
  // is the same CEL, but not the shape the shortcut takes.
  const shapes = [
    'labels.plan == "free"',
    'labels["plan"] == "free"',
    '"free" == labels.plan',
    'labels.plan != "free"',
    '"free" != labels["plan"]',
    '"plan" in labels && labels.plan == "free"',
    'has(labels.plan) && labels.plan != "free"',
    // Guarded by another label: not the shortcut's shape, still answered as CEL does.
    '"other" in labels && labels.plan == "free"',
  ];
  const labelSets: Record<string, string>[] = [{}, { plan: 'free' }, { plan: 'pro' }, { plan: '' }, { other: 'free' }, { other: 'x', plan: 'free' }];
  for (const when of shapes) {
    it(`answers ${when} as CEL does`, () => {
      for (const labels of labelSets) {
        const fast = compile([policy([guarded(when)])]).decide(request({ labels }), tenant(), NOW).outcomes[0];
        const interpreted = compile([policy([guarded(`true && (${when})`)])]).decide(request({ labels }), tenant(), NOW).outcomes[0];
        expect({ labels, outcome: fast?.outcome }).toEqual({ labels, outcome: interpreted?.outcome });
        expect(fast?.reason?.replace(/\n[\s\S]*/, '')).toBe(interpreted?.reason?.replace(/\n[\s\S]*/, ''));
      }
    });
  }
});

describe('refused conditions', () => {
  it('refuses matches(), which would run a backtracking regex', () => {
    for (const when of ['model.matches("^gpt")', 'matches(model, "a+")', 'model . matches ("x")']) {
      const [issue] = issuesOf([policy([guarded(when)])]);
      expect(issue?.path).toBe('rules[0].when');
      expect(issue?.message).toBe('invalid condition: matches() is not allowed in conditions (backtracking regex); use startsWith, endsWith, contains or a content_filter rule');
    }
  });

  // Regression: the guard once searched the text, so a comment could hide a backtracking matches() call.
  it('refuses matches() hidden behind a comment', () => {
    expect(issuesOf([policy([guarded('labels.x.matches// c\n("^(a+)+$")')])]).map((i) => i.path)).toEqual(['rules[0].when']);
  });

  it('refuses an unknown variable, a syntax error and a non-boolean expression, at the rule path', () => {
    const issues = issuesOf([policy([guarded('plan == "free"'), { ...guarded('model =='), name: 'b' }, { ...guarded('input_tokens + 1'), name: 'c' }])]);
    expect(issues.map((i) => i.path)).toEqual(['rules[0].when', 'rules[1].when', 'rules[2].when']);
    expect(issues[0]?.message).toMatch(/^invalid condition: .*plan/);
    expect(issues[2]?.message).toBe('invalid condition: condition must be a bool expression, got int');
  });

  it('refuses an empty condition', () => {
    // Reported twice today (by the CEL parser and by the schema); both name the field.
    const paths = issuesOf([policy([guarded('')])]).map((i) => i.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(new Set(paths)).toEqual(new Set(['rules[0].when']));
  });
});
