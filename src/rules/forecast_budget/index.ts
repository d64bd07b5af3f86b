import { z } from 'zod';
import { formatUsd } from '../../engine/cost.js';
import { defineRuleKind } from '../../engine/rule-kind.js';
import type { RuleResult } from '../../engine/types.js';
import { claimScope } from '../claim-scope.js';

/**
 * Blocks before the monthly budget is spent (seed 003 ForecastBudgetRule): the host reads
 * the policy scope's spend over the last `lookback_days` UTC days (today included) and
 * refuses when 30 days at that daily average, this call included, would pass the budget.
 */
export const forecastBudget = defineRuleKind({
  type: 'forecast_budget',
  stage: 'budgets',
  description: 'block when spend projected over 30 days from the last lookback_days passes monthly_budget_usd',
  fields: {
    monthly_budget_usd: z.number().positive().max(1_000_000_000),
    lookback_days: z.number().int().min(1).max(30).optional().describe('days of history to project from; default 7'),
    fail_open: z.boolean().optional().describe('let calls through unchecked when the counter store is unreachable'),
  },
  compile(config, env) {
    const rule = config.name ?? 'forecast_budget';
    const lookbackDays = config.lookback_days ?? 7;
    const limit = config.monthly_budget_usd;
    const failOpen = config.fail_open === true ? { failOpen: true } : {};
    const limitText = formatUsd(limit);
    return (ctx): RuleResult => {
      const { costUsd, model } = ctx.estimate();
      if (costUsd === null && ctx.unknownPrice === 'block') {
        return { outcome: 'block', code: 'unknown_model_price', reason: `no known price for model "${model ?? '(none)'}", so the spend forecast cannot be checked` };
      }
      const scope = claimScope(env.scope, ctx.tenant);
      return {
        outcome: 'pass',
        reason: `forecast of ${scope} against ${limitText} per 30 days from the last ${lookbackDays} days`,
        claims: [{ policy: env.policy, rule, scope, metric: 'usd', window: 'day', kind: 'forecast', lookbackDays, limit, amount: costUsd ?? 0, ...failOpen }],
      };
    };
  },
});
