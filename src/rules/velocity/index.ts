import { z } from 'zod';
import { formatUsd } from '../../engine/cost.js';
import { defineRuleKind } from '../../engine/rule-kind.js';
import type { CounterClaim, RuleResult } from '../../engine/types.js';
import { subjectOf } from '../budget/subject.js';

/**
 * Circuit breaker on request rate or spend rate over a sliding window (seed 003
 * VelocityLimitRule, CostVelocityRule: "$5 per hour"). Sliding, so a burst around a
 * window boundary cannot double the rate.
 */
export const velocity = defineRuleKind({
  type: 'velocity',
  stage: 'limits',
  description: 'circuit breaker: at most max_requests or max_cost_usd per sliding window_seconds',
  fields: {
    scope: z.enum(['org', 'team', 'user', 'key', 'session', 'mission', 'model']).optional().describe('whose rate is limited; default org'),
    window_seconds: z.number().int().positive().max(31 * 86_400).describe('length of the sliding window'),
    max_requests: z.number().int().positive().optional().describe('calls per window'),
    max_cost_usd: z.number().positive().max(1_000_000_000).optional().describe('USD per window (worst case reserved, settled to the actual)'),
    fail_open: z.boolean().optional().describe('let calls through unmetered when the counter store is unreachable'),
  },
  compile(config, env) {
    if (config.max_requests === undefined && config.max_cost_usd === undefined) env.issue([], 'velocity needs max_requests or max_cost_usd');
    const scope = config.scope ?? 'org';
    const windowSeconds = config.window_seconds;
    const rule = config.name ?? 'velocity';
    const failOpen = config.fail_open === true ? { failOpen: true } : {};
    return (ctx): RuleResult => {
      const subject = subjectOf(scope, ctx);
      if (!subject) return { outcome: 'skip', reason: `the call names no ${scope}` };
      const base = { policy: env.policy, rule, scope: subject, window: 'sliding', windowSeconds, ...failOpen } as const;
      const claims: CounterClaim[] = [];
      if (config.max_requests !== undefined) claims.push({ ...base, metric: 'requests', limit: config.max_requests, amount: 1 });
      if (config.max_cost_usd !== undefined) {
        const { costUsd, model } = ctx.estimate();
        if (costUsd === null && ctx.unknownPrice === 'block') {
          return { outcome: 'block', code: 'unknown_model_price', reason: `no known price for model "${model ?? '(none)'}", so the ${formatUsd(config.max_cost_usd)} per ${windowSeconds} s spend rate cannot be checked` };
        }
        claims.push({ ...base, metric: 'usd', limit: config.max_cost_usd, amount: costUsd ?? 0 });
      }
      return { outcome: 'pass', reason: `counted against ${subject} per ${windowSeconds} s`, claims };
    };
  },
});
