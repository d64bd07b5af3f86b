import { describe, expect, it } from 'vitest';
import { BaseRule, type RuleContext, type RuleDecisionInit, RuleDecision } from './custom-rule.js';
import { NOW, SATURDAY, compile, issuesOf, policy, request, tenant } from './test-helpers.js';
import type { Stage } from './types.js';

/** Seed 003's example, reading the injected clock instead of the system time. */
class BlockWeekendsRule extends BaseRule {
  evaluate(ctx: RuleContext): RuleDecision {
    if (ctx.now.getUTCDay() === 0 || ctx.now.getUTCDay() === 6) {
      return new RuleDecision({ allow: false, action: 'block', metadata: { reason: 'no weekend spend' } });
    }
    return new RuleDecision({ allow: true });
  }
}

describe('BaseRule subclass', () => {
  const set = compile([policy([{ type: 'custom', ref: 'block_weekends' }])], { customRules: { block_weekends: new BlockWeekendsRule() } });

  it('blocks on a Saturday with the reason from its metadata (seed 003)', () => {
    const d = set.decide(request(), tenant(), SATURDAY);
    expect(d).toMatchObject({ action: 'block', code: 'policy_violation', policy: 'test_policy', rule: 'block_weekends', reason: 'no weekend spend' });
    expect(d.outcomes[0]).toMatchObject({ type: 'custom', stage: 'access', metadata: { reason: 'no weekend spend' } });
  });

  it('allows on a Wednesday', () => {
    expect(set.decide(request(), tenant(), NOW).action).toBe('allow');
  });

  it('can be passed as an instance in a document built in code, named after its class', () => {
    const inline = compile([policy([new BlockWeekendsRule()])]);
    expect(inline.decide(request(), tenant(), SATURDAY)).toMatchObject({ action: 'block', rule: 'BlockWeekendsRule' });
  });

  it('takes a name and a when condition like any rule', () => {
    const named = compile([policy([{ type: 'custom', ref: 'block_weekends', name: 'weekends', when: 'labels.tier == "free"' }])], {
      customRules: { block_weekends: new BlockWeekendsRule() },
    });
    expect(named.decide(request({ labels: { tier: 'free' } }), tenant(), SATURDAY)).toMatchObject({ action: 'block', rule: 'weekends' });
    expect(named.decide(request({ labels: { tier: 'paid' } }), tenant(), SATURDAY).action).toBe('allow');
  });

  it('runs in the stage it declares', () => {
    class LateRule extends BaseRule {
      override readonly stage: Stage = 'routing';
      evaluate(): RuleDecisionInit {
        return { allow: false, reason: 'late' };
      }
    }
    const staged = compile([policy([{ type: 'custom', ref: 'late' }, { type: 'token_ceiling', max_input_tokens: 1000 }])], { customRules: { late: new LateRule() } });
    const d = staged.decide(request(), tenant(), NOW);
    expect(d.outcomes.map((o) => `${o.stage}:${o.rule}`)).toEqual(['limits:token_ceiling', 'routing:late']);
    expect(d.reason).toBe('late');
  });
});

describe('function rules', () => {
  it('registers a plain function and sees the request, tenant, estimate and storage', () => {
    const seen: RuleContext[] = [];
    const storage = { counters: 'mine' };
    function freePlanOnlyMini(ctx: RuleContext): RuleDecisionInit {
      seen.push(ctx);
      return ctx.labels.plan === 'free' && ctx.model !== 'gpt-4o-mini' ? { allow: false, reason: 'free plan: gpt-4o-mini only' } : { allow: true };
    }
    const set = compile([policy([{ type: 'custom', ref: 'free_plan' }])], { customRules: { free_plan: freePlanOnlyMini }, storage });
    const body = { model: 'gpt-4o', temperature: 0.2 };
    const d = set.decide(request({ model: 'gpt-4o', labels: { plan: 'free' }, body, endUser: 'end-user-7', maxOutputTokens: 100 }), tenant({ user: undefined }), NOW);
    expect(d).toMatchObject({ action: 'block', rule: 'free_plan', reason: 'free plan: gpt-4o-mini only' });
    const ctx = seen[0] as RuleContext;
    expect(ctx).toMatchObject({ model: 'gpt-4o', kwargs: body, labels: { plan: 'free' }, org: 'acme', team: 'search', user: 'end-user-7', environment: 'development', inputTokens: 9, estimatedCostUsd: null, storage });
    expect(ctx.now.toISOString()).toBe('2025-01-15T10:30:00.000Z');
    expect(ctx.messages).toEqual([{ role: 'user', content: 'hello' }]);
    expect(set.decide(request({ labels: { plan: 'free' } }), tenant(), NOW).action).toBe('allow');
  });

  it('maps each RuleDecision action onto the decision', () => {
    const rule = (init: RuleDecisionInit) => compile([policy([{ type: 'custom', ref: 'r' }])], { customRules: { r: () => init } }).decide(request(), tenant(), NOW);
    expect(rule({ allow: false })).toMatchObject({ action: 'block', code: 'policy_violation', reason: 'blocked by custom rule' });
    expect(rule({ allow: false, action: 'throttle', retryAfterSeconds: 30, reason: 'slow down' })).toMatchObject({ action: 'throttle', code: 'rate_limited', retryAfterSeconds: 30, reason: 'slow down' });
    expect(rule({ allow: false, action: 'throttle' }).retryAfterSeconds).toBe(60);
    expect(rule({ allow: false, action: 'escalate' })).toMatchObject({ action: 'escalate', code: 'approval_required', reason: 'approval required' });
    expect(rule({ allow: true, action: 'modify', model: 'cheap' })).toMatchObject({ action: 'modify', reason: 'model changed to cheap', modifications: { model: { from: 'gpt-4o-mini', to: 'cheap', rule: 'r' } } });
    expect(rule({ allow: false, action: 'modify' })).toMatchObject({ action: 'block', reason: 'custom rule asked to modify without a model' });
    const flagged = rule({ allow: true, action: 'flag', reason: 'odd' });
    expect(flagged.action).toBe('allow');
    expect(flagged.outcomes[0]).toMatchObject({ outcome: 'flag', reason: 'odd' });
  });

  it('blocks, rather than lets through, when the rule throws', () => {
    const set = compile([policy([{ type: 'custom', ref: 'broken' }])], {
      customRules: {
        broken: () => {
          throw new Error('storage offline');
        },
      },
    });
    expect(set.decide(request(), tenant(), NOW)).toMatchObject({ action: 'block', code: 'policy_violation', reason: 'rule failed: storage offline' });
  });
});

describe('custom rule references', () => {
  it('refuses an unregistered ref, listing the registered ones', () => {
    expect(issuesOf([policy([{ type: 'custom', ref: 'nope' }])], { customRules: { block_weekends: new BlockWeekendsRule() } })).toEqual([
      { path: 'rules[0].ref', message: 'no custom rule registered as "nope"; registered: block_weekends' },
    ]);
    expect(issuesOf([policy([{ type: 'custom', ref: 'nope' }])])).toEqual([{ path: 'rules[0].ref', message: 'no custom rule registered as "nope"' }]);
  });

  it('refuses a custom rule without a ref', () => {
    expect(issuesOf([policy([{ type: 'custom' }])])).toEqual([{ path: 'rules[0]', message: 'a custom rule needs a ref (or a rule object when built in code)' }]);
  });

  it('refuses unknown fields on a custom rule', () => {
    expect(issuesOf([policy([{ type: 'custom', ref: 'r', max_usd: 1 }])], { customRules: { r: () => ({ allow: true }) } })).toEqual([{ path: 'rules[0].max_usd', message: 'unknown field' }]);
  });
});
