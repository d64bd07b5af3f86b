import { z } from 'zod';
import { defineRuleKind } from '../../engine/rule-kind.js';

/**
 * Catches a production key used outside its environments (seed 001 key_environment_check):
 * the classic "prod key copied into staging".
 */
export const keyEnvironmentCheck = defineRuleKind({
  type: 'key_environment_check',
  stage: 'access',
  description: 'block production key prefixes used outside allowed environments',
  fields: {
    prod_key_prefixes: z.array(z.string().min(1).max(16)).min(1).describe('key prefixes treated as production, e.g. sk_live_'),
    allowed_envs: z.array(z.string().min(1)).min(1).describe('environments where those keys are permitted'),
    action: z.enum(['block', 'flag']).optional(),
  },
  compile(config) {
    const prefixes = config.prod_key_prefixes;
    const allowed = new Set(config.allowed_envs);
    const verdict = config.action === 'flag' ? 'flag' : 'block';
    return (ctx) => {
      const key = ctx.tenant.keyPrefix;
      if (!key) return { outcome: 'skip', reason: 'no key prefix known for this caller' };
      const prefix = prefixes.find((p) => key.startsWith(p));
      if (!prefix) return { outcome: 'pass' };
      const env = ctx.tenant.environment;
      if (env && allowed.has(env)) return { outcome: 'pass' };
      return {
        outcome: verdict,
        code: 'key_environment_mismatch',
        reason: `production key (prefix ${prefix}) used in environment "${env ?? 'unknown'}"; allowed: ${[...allowed].join(', ')}`,
      };
    };
  },
});
