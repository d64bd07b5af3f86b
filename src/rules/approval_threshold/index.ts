import { z } from 'zod';
import { costOrUnknown, formatUsd } from '../../engine/cost.js';
import { defineRuleKind } from '../../engine/rule-kind.js';

/**
 * Sends costly calls to a human (seed 001 approval_required_threshold_cents, seed 004 HITL):
 * escalates when the estimated cost meets or exceeds the threshold.
 */
export const approvalThreshold = defineRuleKind({
  type: 'approval_threshold',
  stage: 'approval',
  description: 'escalate for human approval when the estimated cost meets a threshold',
  fields: {
    threshold_cents: z.number().int().nonnegative().optional().describe('threshold in cents (seed 001); 0 disables'),
    threshold_usd: z.number().nonnegative().finite().optional().describe('threshold in USD; 0 disables'),
    action: z.enum(['escalate', 'block', 'flag']).optional().describe('escalate (default), block or flag'),
    unknown_price: z.enum(['block', 'allow']).optional(),
  },
  compile(config, env) {
    const given = [config.threshold_cents, config.threshold_usd].filter((v) => v !== undefined).length;
    if (given !== 1) env.issue(['threshold_usd'], 'give exactly one of threshold_cents or threshold_usd');
    const threshold = config.threshold_usd ?? (config.threshold_cents ?? 0) / 100;
    const verdict = config.action ?? 'escalate';
    return (ctx) => {
      if (threshold === 0) return { outcome: 'skip', reason: 'threshold 0 disables the check' };
      const bound = ctx.costAtMost(threshold);
      if (bound !== null && bound < threshold) return { outcome: 'pass' };
      const cost = costOrUnknown(ctx, config.unknown_price);
      if (typeof cost !== 'number') return cost;
      if (cost < threshold) return { outcome: 'pass' };
      const reason = `estimated cost ${formatUsd(cost)} meets the approval threshold of ${formatUsd(threshold)}`;
      const metadata = { estimated_usd: cost, threshold_usd: threshold };
      if (verdict === 'flag') return { outcome: 'flag', reason, metadata };
      return { outcome: verdict, code: 'approval_required', reason, metadata };
    };
  },
});
