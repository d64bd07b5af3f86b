import { z } from 'zod';
import { costOrUnknown, formatUsd } from '../../engine/cost.js';
import { defineRuleKind } from '../../engine/rule-kind.js';

/** Blocks a single call whose worst-case cost passes a limit (seed 003 MaxCostPerRequestRule). */
export const maxCostPerRequest = defineRuleKind({
  type: 'max_cost_per_request',
  stage: 'budgets',
  description: 'block when the estimated worst-case cost of one call exceeds max_usd',
  fields: {
    max_usd: z.number().positive().finite().describe('largest allowed worst-case cost of one call, USD'),
    unknown_price: z.enum(['block', 'allow']).optional().describe('when the model has no known price; default: the engine setting'),
    action: z.enum(['block', 'flag']).optional(),
  },
  compile(config) {
    const limit = config.max_usd;
    const limitText = formatUsd(limit);
    const verdict = config.action === 'flag' ? 'flag' : 'block';
    return (ctx) => {
      const bound = ctx.costAtMost(limit);
      if (bound !== null && bound <= limit) return { outcome: 'pass', reason: `estimated at most ${formatUsd(bound)}, within ${limitText}` };
      const cost = costOrUnknown(ctx, config.unknown_price);
      if (typeof cost !== 'number') return cost;
      if (cost <= limit) return { outcome: 'pass', reason: `estimated ${formatUsd(cost)} within ${limitText}` };
      return { outcome: verdict, code: 'cost_limit_exceeded', reason: `estimated cost ${formatUsd(cost)} exceeds the per-request limit of ${limitText}`, metadata: { estimated_usd: cost, limit_usd: limit } };
    };
  },
});
