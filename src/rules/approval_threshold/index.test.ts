import { describe, expect, it } from 'vitest';
import { NOW, compile, policy, request, ruleIssues, tenant } from '../../engine/test-helpers.js';
import type { EngineOptions } from '../../engine/engine.js';

// 'hello' = 9 input tokens; 1000 output tokens at $1 / $2 per MTok: $0.002009 worst case.
const COST = 0.002009;
const decide = (rule: Record<string, unknown>, req = request({ maxOutputTokens: 1000 }), options: EngineOptions = {}) =>
  compile([policy([{ type: 'approval_threshold', ...rule }])], options).decide(req, tenant(), NOW);

describe('approval_threshold config', () => {
  it('needs exactly one of threshold_cents and threshold_usd', () => {
    expect(ruleIssues({ type: 'approval_threshold' })).toEqual([{ path: 'rules[0].threshold_usd', message: 'give exactly one of threshold_cents or threshold_usd' }]);
    expect(ruleIssues({ type: 'approval_threshold', threshold_cents: 5000, threshold_usd: 50 }).map((i) => i.path)).toEqual(['rules[0].threshold_usd']);
  });

  it('refuses fractional or negative cents (seed 001: an integer)', () => {
    expect(ruleIssues({ type: 'approval_threshold', threshold_cents: 12.5 }).map((i) => i.path)).toEqual(['rules[0].threshold_cents']);
    expect(ruleIssues({ type: 'approval_threshold', threshold_cents: -1 }).map((i) => i.path)).toEqual(['rules[0].threshold_cents']);
  });

  it('refuses an action other than escalate, block or flag', () => {
    expect(ruleIssues({ type: 'approval_threshold', threshold_usd: 1, action: 'throttle' }).map((i) => i.path)).toEqual(['rules[0].action']);
  });
});

describe('approval_threshold evaluation', () => {
  it('escalates a call whose worst case meets the threshold exactly', () => {
    const d = decide({ threshold_usd: COST });
    expect(d).toMatchObject({ action: 'escalate', code: 'approval_required', rule: 'approval_threshold', policy: 'test_policy' });
    expect(d.reason).toBe('estimated cost $0.00201 meets the approval threshold of $0.00201');
    expect(d.outcomes[0]?.metadata).toEqual({ estimated_usd: COST, threshold_usd: COST });
  });

  it('allows a call below the threshold', () => {
    expect(decide({ threshold_usd: 0.0021 }).action).toBe('allow');
  });

  it('reads threshold_cents as cents (seed 001)', () => {
    // 1 cent = $0.01: a $0.002 call passes; a call with 10,000 output tokens ($0.020009) escalates.
    expect(decide({ threshold_cents: 1 }).action).toBe('allow');
    const d = decide({ threshold_cents: 1 }, request({ maxOutputTokens: 10_000 }));
    expect(d.action).toBe('escalate');
    expect(d.reason).toBe('estimated cost $0.02 meets the approval threshold of $0.01');
  });

  it('treats a threshold of 0 as disabled (seed 001)', () => {
    const d = decide({ threshold_cents: 0 });
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'skip', reason: 'threshold 0 disables the check' });
  });

  it('with action block refuses instead of asking a human', () => {
    expect(decide({ threshold_usd: 0.001, action: 'block' })).toMatchObject({ action: 'block', code: 'approval_required' });
  });

  it('with action flag only records the match', () => {
    const d = decide({ threshold_usd: 0.001, action: 'flag' });
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]?.outcome).toBe('flag');
  });

  it('blocks an unknown-price model by default, and skips it with unknown_price: allow', () => {
    expect(decide({ threshold_usd: 1 }, request({ model: 'mystery' }))).toMatchObject({ action: 'block', code: 'unknown_model_price' });
    expect(decide({ threshold_usd: 1, unknown_price: 'allow' }, request({ model: 'mystery' })).action).toBe('allow');
  });

  it('keeps the budget claims of an escalated call (reserved once approved)', () => {
    const set = compile([
      policy([
        { type: 'model_access', max_cost_per_day: 10 },
        { type: 'approval_threshold', threshold_usd: 0.001 },
      ]),
    ]);
    const d = set.decide(request({ maxOutputTokens: 1000 }), tenant(), NOW);
    expect(d.action).toBe('escalate');
    expect(d.claims).toHaveLength(1);
  });
});
