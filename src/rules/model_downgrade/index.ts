import { z } from 'zod';
import { costOrUnknown, formatUsd } from '../../engine/cost.js';
import { modelMatcher } from '../../engine/model-match.js';
import { defineRuleKind } from '../../engine/rule-kind.js';

/**
 * Swaps in a cheaper model (seed 000 model router, seed 003 TagBasedModelDowngradeRule):
 * when the estimated cost passes `threshold_usd`, or, without a threshold, whenever the
 * rule applies (use `when` for a label condition).
 */
export const modelDowngrade = defineRuleKind({
  type: 'model_downgrade',
  stage: 'routing',
  description: 'downgrade to a cheaper model above a cost threshold or when a condition holds',
  fields: {
    fallback: z.string().min(1).max(200).optional().describe('model to use instead (seed 000)'),
    downgrade_to: z.string().min(1).max(200).optional().describe('alias of fallback (seed 003)'),
    threshold_usd: z.number().nonnegative().finite().optional().describe('downgrade when the estimated cost exceeds this'),
    models: z.array(z.string().min(1)).optional().describe('only downgrade these models'),
  },
  compile(config, env) {
    const target = config.fallback ?? config.downgrade_to;
    if (!target) env.issue(['fallback'], 'give the model to downgrade to (fallback or downgrade_to)');
    if (config.fallback && config.downgrade_to && config.fallback !== config.downgrade_to) env.issue(['downgrade_to'], 'fallback and downgrade_to differ; give one');
    const only = config.models?.length ? modelMatcher(config.models) : undefined;
    const threshold = config.threshold_usd;
    const to = target ?? '';
    const thresholdText = threshold === undefined ? '' : formatUsd(threshold);
    return (ctx) => {
      const model = ctx.model;
      if (!model) return { outcome: 'skip', reason: 'no model to downgrade' };
      if (model === to) return { outcome: 'pass', reason: `already ${to}` };
      if (only && !only(model)) return { outcome: 'skip', reason: `model "${model}" not in models` };
      if (threshold === undefined) return { outcome: 'modify', reason: `model ${model} downgraded to ${to}`, patch: { model: to } };
      const bound = ctx.costAtMost(threshold);
      if (bound !== null && bound <= threshold) return { outcome: 'pass', reason: `estimated at most ${formatUsd(bound)}, within ${thresholdText}` };
      const cost = costOrUnknown(ctx, 'allow');
      if (typeof cost !== 'number') return cost;
      if (cost <= threshold) return { outcome: 'pass', reason: `estimated ${formatUsd(cost)} within ${thresholdText}` };
      return { outcome: 'modify', reason: `estimated cost ${formatUsd(cost)} over ${thresholdText}: model ${model} downgraded to ${to}`, patch: { model: to } };
    };
  },
});
