import { z } from 'zod';
import { formatUsd } from '../../engine/cost.js';
import { type ModelMatcher, modelMatcher } from '../../engine/model-match.js';
import { defineRuleKind } from '../../engine/rule-kind.js';
import type { CounterClaim, RuleResult } from '../../engine/types.js';
import { claimScope } from '../claim-scope.js';

const modelList = z.array(z.string().min(1).max(200)).max(10_000);

/**
 * Which models a caller may use (seed 001 approved_models, seed 002 Model Access,
 * seed 004 model selection, seed 003 RestrictModelRule). An empty or absent allowlist
 * allows every model not on the blocklist.
 */
export const modelAccess = defineRuleKind({
  type: 'model_access',
  stage: 'access',
  description: 'allowlist, blocklist and default model; optionally limited to roles; seed 002 max_cost_per_day',
  fields: {
    models: modelList.optional().describe('allowed models (exact, dated ids match their base, "prefix*" globs)'),
    blocked_models: modelList.optional().describe('models that are never allowed'),
    default_model: z.string().min(1).max(200).optional().describe('model used when a request names none'),
    roles: z.array(z.string().min(1)).optional().describe('apply only to callers with one of these roles'),
    max_cost_per_day: z.number().positive().finite().optional().describe('USD per UTC day for the policy scope (reserved in the counter store)'),
    action: z.enum(['block', 'flag']).optional().describe('block (default) or flag only'),
  },
  compile(config, env) {
    const allow: ModelMatcher | undefined = config.models?.length ? modelMatcher(config.models) : undefined;
    const deny: ModelMatcher | undefined = config.blocked_models?.length ? modelMatcher(config.blocked_models) : undefined;
    const roles = config.roles ? new Set(config.roles) : undefined;
    const defaultModel = config.default_model;
    const verdict = config.action === 'flag' ? 'flag' : 'block';
    if (defaultModel && deny?.(defaultModel)) env.issue(['default_model'], `default model "${defaultModel}" is on blocked_models`);
    if (defaultModel && allow && !allow(defaultModel)) env.issue(['default_model'], `default model "${defaultModel}" is not in models`);
    const dailyCap = config.max_cost_per_day;
    const ruleName = config.name ?? 'model_access';

    return (ctx): RuleResult => {
      if (roles && !(ctx.tenant.role && roles.has(ctx.tenant.role))) {
        return { outcome: 'skip', reason: `applies to roles ${[...roles].join(', ')}` };
      }
      const model = ctx.model ?? defaultModel;
      if (!model) {
        return allow ? { outcome: verdict, code: 'model_required', reason: 'request names no model and the policy sets no default_model' } : { outcome: 'pass' };
      }
      if (deny?.(model)) return { outcome: verdict, code: 'model_not_allowed', reason: `model "${model}" is blocked` };
      if (allow && !allow(model)) {
        return { outcome: verdict, code: 'model_not_allowed', reason: `model "${model}" is not in the allowed models (${allow.entries.join(', ')})` };
      }
      const filled = ctx.model === undefined;
      let claims: CounterClaim[] | undefined;
      let budget = '';
      if (dailyCap !== undefined) {
        // Priced with the model that will actually be called (the default, when one was filled in).
        const cost = ctx.estimate(model).costUsd;
        if (cost === null && ctx.unknownPrice === 'block') {
          return { outcome: 'block', code: 'unknown_model_price', reason: `no known price for model "${model}", so the ${formatUsd(dailyCap)}/day budget cannot be checked` };
        }
        claims = [{ policy: env.policy, rule: ruleName, scope: claimScope(env.scope, ctx.tenant), metric: 'usd', window: 'day', limit: dailyCap, amount: cost ?? 0 }];
        budget = `reserve ${cost === null ? 'unknown cost' : formatUsd(cost)} of ${formatUsd(dailyCap)}/day`;
      }
      if (filled) {
        const reason = `no model given; using default "${model}"${budget ? `; ${budget}` : ''}`;
        return claims ? { outcome: 'modify', reason, patch: { model }, claims } : { outcome: 'modify', reason, patch: { model } };
      }
      return claims ? { outcome: 'pass', reason: budget, claims } : { outcome: 'pass' };
    };
  },
});
