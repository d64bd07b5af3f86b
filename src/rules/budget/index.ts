import { z } from 'zod';
import { formatUsd } from '../../engine/cost.js';
import { type EvalContext, defineRuleKind } from '../../engine/rule-kind.js';
import type { CounterClaim, RuleResult } from '../../engine/types.js';
import type { BudgetCap } from './hierarchy.js';
import { subjectOf, userOf, worstCaseTokens } from './subject.js';

// Bounded so a cap in micro-USD stays a safe integer in every counter store.
const usd = z.number().positive().max(1_000_000_000);
const WINDOW: Record<'day' | 'month' | 'total', 'day' | 'month' | 'none'> = { day: 'day', month: 'month', total: 'none' };

/**
 * Spend caps per org, team, user, key, session or mission, per UTC day, calendar month or
 * in total (seed 000 max_session_usd, seed 003 MonthlyBudgetRule / PerUserBudgetRule and
 * missions, seed 004 daily budgets). The rule only computes claims; the host reserves them
 * atomically with every other scope's and refuses the call when any cap would pass.
 */
export const budget = defineRuleKind({
  type: 'budget',
  stage: 'budgets',
  description: 'cap USD, tokens or calls per org, team, user, key, session or mission, per day, month or in total',
  fields: {
    scope: z.enum(['org', 'team', 'user', 'key', 'session', 'mission']).describe('whose spend is capped'),
    window: z.enum(['day', 'month', 'total']).optional().describe('day (UTC midnight reset), month, or total; default total for session and mission, else month'),
    max_usd: usd.optional().describe('USD cap'),
    max_tokens: z.number().int().positive().optional().describe('token cap (input + output)'),
    max_calls: z.number().int().positive().optional().describe('cap on calls'),
    per_user_usd: z.record(z.string().min(1), usd).optional().describe('scope user: USD cap per user id'),
    default_max_usd: usd.optional().describe('scope user: USD cap for users not in per_user_usd'),
    fail_open: z.boolean().optional().describe('let calls through unmetered when the counter store is unreachable (default: refuse with 503)'),
  },
  compile(config, env) {
    const { scope } = config;
    if (config.max_usd === undefined && config.max_tokens === undefined && config.max_calls === undefined && config.per_user_usd === undefined && config.default_max_usd === undefined) {
      env.issue([], 'a budget needs at least one of max_usd, max_tokens, max_calls, per_user_usd, default_max_usd');
    }
    if (scope !== 'user') {
      if (config.per_user_usd !== undefined) env.issue(['per_user_usd'], 'per_user_usd needs scope: user');
      if (config.default_max_usd !== undefined) env.issue(['default_max_usd'], 'default_max_usd needs scope: user');
    }
    const window = WINDOW[config.window ?? (scope === 'session' || scope === 'mission' ? 'total' : 'month')];
    const per = window === 'none' ? 'in total' : `per ${window}`;
    const perUser = config.per_user_usd ? new Map(Object.entries(config.per_user_usd)) : undefined;
    const rule = config.name ?? 'budget';
    const failOpen = config.fail_open === true ? { failOpen: true } : {};
    // What the hierarchy check (a team's budget within its org's) compares across policies.
    const budgetCaps: BudgetCap[] = [];
    if (scope === 'org' || scope === 'team' || scope === 'key') {
      if (config.max_usd !== undefined) budgetCaps.push({ level: scope, window, metric: 'usd', field: 'max_usd', limit: config.max_usd });
      if (config.max_tokens !== undefined) budgetCaps.push({ level: scope, window, metric: 'tokens', field: 'max_tokens', limit: config.max_tokens });
      if (config.max_calls !== undefined) budgetCaps.push({ level: scope, window, metric: 'requests', field: 'max_calls', limit: config.max_calls });
    }

    const evaluate = (ctx: EvalContext): RuleResult => {
      const subject = subjectOf(scope, ctx);
      if (!subject) return { outcome: 'skip', reason: `the call names no ${scope}` };
      const base = { policy: env.policy, rule, scope: subject, window, ...failOpen } as const;
      const claims: CounterClaim[] = [];
      const parts: string[] = [];
      const user = scope === 'user' ? userOf(ctx) : undefined;
      const capUsd = (user !== undefined ? perUser?.get(user) : undefined) ?? config.default_max_usd ?? config.max_usd;
      if (capUsd !== undefined) {
        const { costUsd, model } = ctx.estimate();
        if (costUsd === null && ctx.unknownPrice === 'block') {
          return { outcome: 'block', code: 'unknown_model_price', reason: `no known price for model "${model ?? '(none)'}", so the ${formatUsd(capUsd)} ${per} budget of ${subject} cannot be checked` };
        }
        claims.push({ ...base, metric: 'usd', limit: capUsd, amount: costUsd ?? 0 });
        parts.push(`reserve ${costUsd === null ? 'unknown cost' : formatUsd(costUsd)} of ${formatUsd(capUsd)} ${per}`);
      }
      if (config.max_tokens !== undefined) {
        const tokens = worstCaseTokens(ctx);
        claims.push({ ...base, metric: 'tokens', limit: config.max_tokens, amount: tokens });
        parts.push(`reserve ${tokens} of ${config.max_tokens} tokens ${per}`);
      }
      if (config.max_calls !== undefined) {
        claims.push({ ...base, metric: 'requests', limit: config.max_calls, amount: 1 });
        parts.push(`1 of ${config.max_calls} calls ${per}`);
      }
      if (!claims.length) return { outcome: 'skip', reason: `no budget set for user "${user ?? ''}"` };
      return { outcome: 'pass', reason: `${parts.join(', ')} for ${subject}`, claims };
    };
    return Object.assign(evaluate, { budgetCaps });
  },
});
