import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type EvalContext, defineRuleKind } from '../../engine/rule-kind.js';
import type { RuleResult } from '../../engine/types.js';
import { subjectOf } from '../budget/subject.js';

/**
 * Refuses an exact repeat of the same normalized request within `ttl_seconds` (seed 000
 * dedup guard: retry storms, agents re-submitting). The fingerprint is reserved with the
 * call's other claims, so a call that fails (released) does not block its own retry.
 */
export const dedupGuard = defineRuleKind({
  type: 'dedup_guard',
  stage: 'limits',
  description: 'refuse an identical request (model, messages, tools, output cap) repeated within ttl_seconds',
  fields: {
    ttl_seconds: z.number().positive().max(86_400).describe('how long a request blocks its duplicates'),
    scope: z.enum(['session', 'key', 'user', 'team', 'org']).optional().describe('where duplicates are looked for; default the session, else the key'),
    fail_open: z.boolean().optional().describe('skip the check when the counter store is unreachable'),
  },
  compile(config, env) {
    const rule = config.name ?? 'dedup_guard';
    const windowSeconds = Math.max(1, Math.ceil(config.ttl_seconds));
    const failOpen = config.fail_open === true ? { failOpen: true } : {};
    return (ctx): RuleResult => {
      const subject = config.scope ? subjectOf(config.scope, ctx) : (subjectOf('session', ctx) ?? subjectOf('key', ctx) ?? subjectOf('org', ctx));
      if (!subject) return { outcome: 'skip', reason: `the call names no ${config.scope ?? 'session'}` };
      const fingerprint = fingerprintOf(ctx);
      return {
        outcome: 'pass',
        reason: `fingerprint ${fingerprint.slice(0, 12)} held for ${windowSeconds} s`,
        claims: [{ policy: env.policy, rule, scope: `${subject}#${fingerprint}`, metric: 'dedup', window: 'sliding', windowSeconds, limit: 1, amount: 1, ...failOpen }],
      };
    };
  },
});

/** SHA-256 of what makes two calls the same: whitespace at the ends and key order do not. */
function fingerprintOf(ctx: EvalContext): string {
  const messages = ctx.messages.map((m) => [
    m.role,
    typeof m.content === 'string' ? m.content.trim() : m.content.map((p) => (p.type === 'text' ? p.text.trim() : `[${p.type}]`)),
    m.toolCalls?.map((c) => [c.name, c.arguments]) ?? null,
  ]);
  const body = JSON.stringify([ctx.request.endpoint, ctx.model ?? null, ctx.request.maxOutputTokens ?? null, messages, ctx.request.tools ?? null]);
  return createHash('sha256').update(body).digest('hex');
}
