import { z } from 'zod';
import { defineRuleKind } from '../../engine/rule-kind.js';
import type { RuleResult } from '../../engine/types.js';
import { subjectOf } from '../budget/subject.js';

/**
 * Stops runaway agent loops (seed 000 loop breaker): the host counts the tool calls each
 * response makes per session, and refuses the next call once the count passed the ceiling;
 * a call whose own history holds more tool calls than the ceiling is blocked outright.
 * The claim holds nothing (amount 0); it is settled to the response's tool calls.
 */
export const loopBreaker = defineRuleKind({
  type: 'loop_breaker',
  stage: 'limits',
  description: "block once a session's tool calls (counted from responses) pass max_tool_calls",
  fields: {
    max_tool_calls: z.number().int().positive(),
    scope: z.enum(['session', 'mission']).optional().describe('default session'),
    fail_open: z.boolean().optional().describe('skip the check when the counter store is unreachable'),
  },
  compile(config, env) {
    const rule = config.name ?? 'loop_breaker';
    const scope = config.scope ?? 'session';
    const failOpen = config.fail_open === true ? { failOpen: true } : {};
    return (ctx): RuleResult => {
      // The conversation the call carries already shows the agent's tool calls: a gateway
      // sees them here even for a session it never counted (no session id, another replica).
      let carried = 0;
      for (const m of ctx.messages) if (m.role === 'assistant' && m.toolCalls) carried += m.toolCalls.length;
      if (carried > config.max_tool_calls) {
        return { outcome: 'block', code: 'loop_detected', reason: `the conversation carries ${carried} tool calls, more than the ceiling of ${config.max_tool_calls}` };
      }
      const subject = subjectOf(scope, ctx);
      if (!subject) return { outcome: 'skip', reason: `the call names no ${scope}` };
      return {
        outcome: 'pass',
        reason: `tool calls of ${subject} checked against ${config.max_tool_calls}`,
        claims: [{ policy: env.policy, rule, scope: subject, metric: 'tool_calls', window: 'none', limit: config.max_tool_calls, amount: 0, ...failOpen }],
      };
    };
  },
});
