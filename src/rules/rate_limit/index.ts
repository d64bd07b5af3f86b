import { z } from 'zod';
import { defineRuleKind } from '../../engine/rule-kind.js';
import type { CounterClaim, RuleResult } from '../../engine/types.js';
import { subjectOf, worstCaseTokens } from '../budget/subject.js';

/**
 * Requests and tokens per minute (sliding 60 s) and concurrent calls, per key, user, team,
 * org or model (issue 4; seed 004's 100 requests per minute per key is the gateway's default
 * instance of this rule). The requests-per-minute numbers feed the RateLimit-* headers.
 */
export const rateLimit = defineRuleKind({
  type: 'rate_limit',
  stage: 'limits',
  description: 'requests per minute, tokens per minute and concurrent calls per key, user, team, org or model',
  fields: {
    scope: z.enum(['key', 'user', 'team', 'org', 'model']).optional().describe('whose calls are counted; default key'),
    requests_per_minute: z.number().int().positive().optional(),
    tokens_per_minute: z.number().int().positive().optional().describe('input + output tokens (worst case reserved, settled to the actual)'),
    concurrent: z.number().int().positive().optional().describe('calls in flight at once'),
    fail_open: z.boolean().optional().describe('let calls through unmetered when the counter store is unreachable'),
  },
  compile(config, env) {
    if (config.requests_per_minute === undefined && config.tokens_per_minute === undefined && config.concurrent === undefined) {
      env.issue([], 'rate_limit needs requests_per_minute, tokens_per_minute or concurrent');
    }
    const scope = config.scope ?? 'key';
    const rule = config.name ?? 'rate_limit';
    const failOpen = config.fail_open === true ? { failOpen: true } : {};
    return (ctx): RuleResult => {
      const subject = subjectOf(scope, ctx);
      if (!subject) return { outcome: 'skip', reason: `the call names no ${scope}` };
      const minute = { policy: env.policy, rule, scope: subject, window: 'sliding', windowSeconds: 60, ...failOpen } as const;
      const claims: CounterClaim[] = [];
      if (config.requests_per_minute !== undefined) claims.push({ ...minute, metric: 'requests', limit: config.requests_per_minute, amount: 1 });
      if (config.tokens_per_minute !== undefined) claims.push({ ...minute, metric: 'tokens', limit: config.tokens_per_minute, amount: worstCaseTokens(ctx) });
      if (config.concurrent !== undefined) {
        claims.push({ policy: env.policy, rule, scope: subject, window: 'none', metric: 'concurrent', limit: config.concurrent, amount: 1, ...failOpen });
      }
      return { outcome: 'pass', reason: `counted against ${subject}`, claims };
    };
  },
});
