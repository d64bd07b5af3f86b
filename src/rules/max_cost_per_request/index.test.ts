import { describe, expect, it } from 'vitest';
import { NOW, compile, fixedPricing, policy, request, ruleIssues, tenant } from '../../engine/test-helpers.js';
import type { EngineOptions } from '../../engine/engine.js';

// 'hello' is 3 + 4 + 2 = 9 input tokens; with maxOutputTokens 1000 at $1 / $2 per MTok the
// worst case is (9 * 1 + 1000 * 2) / 1e6 = $0.002009.
const COST = 0.002009;
const decide = (rule: Record<string, unknown>, req = request({ maxOutputTokens: 1000 }), options: EngineOptions = {}) =>
  compile([policy([{ type: 'max_cost_per_request', ...rule }])], options).decide(req, tenant(), NOW);

describe('max_cost_per_request config', () => {
  it('requires a positive, finite max_usd', () => {
    expect(ruleIssues({ type: 'max_cost_per_request' }).map((i) => i.path)).toEqual(['rules[0].max_usd']);
    expect(ruleIssues({ type: 'max_cost_per_request', max_usd: 0 }).map((i) => i.path)).toEqual(['rules[0].max_usd']);
    expect(ruleIssues({ type: 'max_cost_per_request', max_usd: -1 }).map((i) => i.path)).toEqual(['rules[0].max_usd']);
  });

  it('refuses an unknown unknown_price setting', () => {
    expect(ruleIssues({ type: 'max_cost_per_request', max_usd: 1, unknown_price: 'ignore' }).map((i) => i.path)).toEqual(['rules[0].unknown_price']);
  });
});

describe('max_cost_per_request evaluation', () => {
  it('allows a call whose worst case is within the limit', () => {
    const d = decide({ max_usd: COST });
    expect(d.action).toBe('allow');
    expect(d.estimate).toEqual({ model: 'gpt-4o-mini', inputTokens: 9, tokensApproximate: false, maxOutputTokens: 1000, costUsd: COST, priceSource: 'override' });
  });

  it('blocks a call whose worst case passes the limit, with both amounts in the reason', () => {
    const d = decide({ max_usd: 0.002 });
    expect(d).toMatchObject({ action: 'block', code: 'cost_limit_exceeded', rule: 'max_cost_per_request' });
    expect(d.reason).toBe('estimated cost $0.00201 exceeds the per-request limit of $0.002');
    expect(d.outcomes[0]?.metadata).toEqual({ estimated_usd: COST, limit_usd: 0.002 });
  });

  it('uses the engine default output cap when the request sets none', () => {
    // 9 * 1 + 4096 * 2 = 8201 micro-dollars
    expect(decide({ max_usd: 0.0082 }, request()).action).toBe('block');
    expect(decide({ max_usd: 0.0082 }, request(), { defaultMaxOutputTokens: 100 }).action).toBe('allow');
  });

  it('uses priceOverrides from the engine options', () => {
    const d = decide({ max_usd: 0.0001 }, request({ model: 'acme-finetune', maxOutputTokens: 100 }), {
      priceOverrides: { 'acme-finetune': { input_per_mtok: 10, output_per_mtok: 10 } },
    });
    // The real tokenizer counts the prompt here, so derive the cost from the estimate's tokens.
    expect(d.estimate.priceSource).toBe('override');
    expect(d.estimate.costUsd).toBeCloseTo((d.estimate.inputTokens * 10 + 100 * 10) / 1e6, 12);
    expect(d).toMatchObject({ action: 'block', code: 'cost_limit_exceeded' });
  });

  it('blocks a model with no known price by default, never treating it as free', () => {
    const d = decide({ max_usd: 1 }, request({ model: 'mystery-model' }));
    expect(d).toMatchObject({ action: 'block', code: 'unknown_model_price' });
    expect(d.reason).toBe('no known price for model "mystery-model"; add a pricing override or set unknown_price: allow');
    expect(d.estimate.costUsd).toBeNull();
  });

  it('lets an unknown-price model through with unknown_price: allow, recording why', () => {
    const d = decide({ max_usd: 1, unknown_price: 'allow' }, request({ model: 'mystery-model' }));
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'skip', reason: 'no known price for model "mystery-model"; cost unknown, allowed by configuration' });
  });

  it('follows the engine-wide unknownPrice setting when the rule sets none', () => {
    expect(decide({ max_usd: 1 }, request({ model: 'mystery-model' }), { unknownPrice: 'allow' }).action).toBe('allow');
    expect(decide({ max_usd: 1, unknown_price: 'block' }, request({ model: 'mystery-model' }), { unknownPrice: 'allow' }).action).toBe('block');
  });

  it('prices the model after an earlier downgrade or default', () => {
    const set = compile(
      [policy([{ type: 'model_access', default_model: 'cheap' }, { type: 'max_cost_per_request', max_usd: 0.001 }])],
      { pricing: fixedPricing({ cheap: [0.1, 0.1] }) },
    );
    const d = set.decide(request({ model: undefined, maxOutputTokens: 1000 }), tenant(), NOW);
    expect(d.action).toBe('modify');
    expect(d.estimate.model).toBe('cheap');
  });
});
