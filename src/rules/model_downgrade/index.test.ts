import { describe, expect, it } from 'vitest';
import { NOW, compile, fixedPricing, policy, request, ruleIssues, tenant } from '../../engine/test-helpers.js';

const PRICES = { 'gpt-4o': [10, 10], 'gpt-4o-mini': [1, 1] } as const;
const decide = (rule: Record<string, unknown>, req = request({ model: 'gpt-4o', maxOutputTokens: 1000 }), labels?: Record<string, string>) =>
  compile([policy([{ type: 'model_downgrade', ...rule }])], { pricing: fixedPricing(PRICES) }).decide(labels ? { ...req, labels } : req, tenant(), NOW);

describe('model_downgrade config', () => {
  it('needs a model to downgrade to', () => {
    expect(ruleIssues({ type: 'model_downgrade', threshold_usd: 0.01 })).toEqual([
      { path: 'rules[0].fallback', message: 'give the model to downgrade to (fallback or downgrade_to)' },
    ]);
  });

  it('refuses fallback and downgrade_to that differ', () => {
    expect(ruleIssues({ type: 'model_downgrade', fallback: 'a', downgrade_to: 'b' }).map((i) => i.path)).toEqual(['rules[0].downgrade_to']);
  });

  it('refuses a negative threshold', () => {
    expect(ruleIssues({ type: 'model_downgrade', fallback: 'a', threshold_usd: -1 }).map((i) => i.path)).toEqual(['rules[0].threshold_usd']);
  });
});

describe('model_downgrade evaluation', () => {
  // gpt-4o: (9 * 10 + 1000 * 10) / 1e6 = $0.01009; gpt-4o-mini: $0.001009.
  it('downgrades when the estimated cost passes the threshold (seed 000 model router)', () => {
    const d = decide({ threshold_usd: 0.01, fallback: 'gpt-4o-mini' });
    expect(d.action).toBe('modify');
    expect(d.modifications.model).toEqual({ from: 'gpt-4o', to: 'gpt-4o-mini', rule: 'model_downgrade' });
    expect(d.reason).toBe('estimated cost $0.0101 over $0.01: model gpt-4o downgraded to gpt-4o-mini');
    // The record's estimate is the cost of the call that will actually be made.
    expect(d.estimate).toMatchObject({ model: 'gpt-4o-mini', costUsd: 0.001009 });
  });

  it('keeps the model when the cost is within the threshold', () => {
    const d = decide({ threshold_usd: 0.02, fallback: 'gpt-4o-mini' });
    expect(d.action).toBe('allow');
    expect(d.modifications.model).toBeUndefined();
  });

  it('without a threshold, downgrades whenever its condition holds (seed 003 TagBasedModelDowngradeRule)', () => {
    const rule = { downgrade_to: 'gpt-4o-mini', when: 'labels.plan == "free"' };
    expect(decide(rule, undefined, { plan: 'free' }).modifications.model?.to).toBe('gpt-4o-mini');
    expect(decide(rule, undefined, { plan: 'pro' }).action).toBe('allow');
  });

  it('leaves models outside `models` alone', () => {
    const d = decide({ fallback: 'gpt-4o-mini', models: ['claude-*'] });
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'skip', reason: 'model "gpt-4o" not in models' });
  });

  it('does nothing when the request already uses the fallback', () => {
    expect(decide({ fallback: 'gpt-4o-mini' }, request({ model: 'gpt-4o-mini' })).action).toBe('allow');
  });

  it('skips a model with no known price instead of blocking it', () => {
    const d = decide({ threshold_usd: 0.01, fallback: 'gpt-4o-mini' }, request({ model: 'mystery' }));
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]?.outcome).toBe('skip');
  });

  it('in a monitor policy records the downgrade but keeps the model', () => {
    const set = compile([policy([{ type: 'model_downgrade', fallback: 'gpt-4o-mini' }], { mode: 'monitor' })], { pricing: fixedPricing(PRICES) });
    const d = set.decide(request({ model: 'gpt-4o' }), tenant(), NOW);
    expect(d.action).toBe('allow');
    expect(d.modifications.model).toBeUndefined();
    expect(d.outcomes[0]).toMatchObject({ outcome: 'modify', shadow: true });
  });
});
