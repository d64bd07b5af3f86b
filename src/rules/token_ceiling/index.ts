import { z } from 'zod';
import { defineRuleKind } from '../../engine/rule-kind.js';

/** Blocks prompts over a token limit (seed 000 token ceiling): stops context inflation. */
export const tokenCeiling = defineRuleKind({
  type: 'token_ceiling',
  stage: 'limits',
  description: 'block when the input prompt exceeds max_input_tokens',
  fields: {
    max_input_tokens: z.number().int().positive().describe('largest allowed prompt, in tokens'),
    action: z.enum(['block', 'flag']).optional(),
  },
  compile(config) {
    const limit = config.max_input_tokens;
    const verdict = config.action === 'flag' ? 'flag' : 'block';
    return (ctx) => {
      if (ctx.inputTokensAtMost(limit) <= limit) return { outcome: 'pass' };
      const tokens = ctx.inputTokens();
      if (tokens <= limit) return { outcome: 'pass' };
      const approx = ctx.estimate().tokensApproximate ? ' (approximate count)' : '';
      return { outcome: verdict, code: 'token_ceiling_exceeded', reason: `prompt has ${tokens} tokens${approx}, over the ceiling of ${limit}`, metadata: { input_tokens: tokens, limit } };
    };
  },
});
