import type { ConditionFunction } from '../engine/custom-rule.js';

/**
 * Seed 003's rule classes, in TypeScript: constructor options are the seed's keyword
 * arguments in camelCase. Each is a policy rule document underneath, so the SDK and the
 * gateway run identical rules and produce identical decisions.
 */
export abstract class SeedRule {
  /** The rule as it would be written in a policy document. */
  abstract toRule(): Record<string, unknown>;
}

/** A condition: a CEL expression over the request, or a function of the rule context. */
export type Condition = string | ConditionFunction;

function withWhen(rule: Record<string, unknown>, condition: Condition | undefined): Record<string, unknown> {
  return condition === undefined ? rule : { ...rule, when: condition };
}

/** Block once the monthly spend cap is reached (`scope: 'workspace'` = the whole org). */
export class MonthlyBudgetRule extends SeedRule {
  constructor(readonly options: { maxUsd: number; scope?: 'workspace' | 'user'; name?: string }) {
    super();
  }
  toRule() {
    const { maxUsd, scope = 'workspace', name } = this.options;
    return { type: 'budget', ...(name ? { name } : {}), scope: scope === 'user' ? 'user' : 'org', window: 'month', max_usd: maxUsd };
  }
}

/** Block a single call whose estimated worst-case cost exceeds the limit. */
export class MaxCostPerRequestRule extends SeedRule {
  constructor(readonly options: { maxUsd: number; name?: string }) {
    super();
  }
  toRule() {
    return { type: 'max_cost_per_request', ...(this.options.name ? { name: this.options.name } : {}), max_usd: this.options.maxUsd };
  }
}

/** Per-user monthly caps from a map, with a default for users not in it. */
export class PerUserBudgetRule extends SeedRule {
  constructor(readonly options: { userBudgets: Record<string, number>; defaultMaxUsd?: number; name?: string }) {
    super();
  }
  toRule() {
    const { userBudgets, defaultMaxUsd, name } = this.options;
    return { type: 'budget', name: name ?? 'per_user_budget', scope: 'user', window: 'month', per_user_usd: userBudgets, ...(defaultMaxUsd !== undefined ? { default_max_usd: defaultMaxUsd } : {}) };
  }
}

/** Block when spend projected over 30 days from the last `lookbackDays` would pass the budget. */
export class ForecastBudgetRule extends SeedRule {
  constructor(readonly options: { monthlyBudgetUsd: number; lookbackDays?: number; name?: string }) {
    super();
  }
  toRule() {
    const { monthlyBudgetUsd, lookbackDays = 7, name } = this.options;
    return { type: 'forecast_budget', ...(name ? { name } : {}), monthly_budget_usd: monthlyBudgetUsd, lookback_days: lookbackDays };
  }
}

/** Circuit breaker on request rate. */
export class VelocityLimitRule extends SeedRule {
  constructor(readonly options: { maxRequests: number; windowSeconds: number; scope?: 'org' | 'team' | 'user' | 'key' | 'session'; name?: string }) {
    super();
  }
  toRule() {
    const { maxRequests, windowSeconds, scope = 'org', name } = this.options;
    return { type: 'velocity', name: name ?? 'velocity_limit', scope, max_requests: maxRequests, window_seconds: windowSeconds };
  }
}

/** Circuit breaker on spend rate (e.g. $5 per hour). */
export class CostVelocityRule extends SeedRule {
  constructor(readonly options: { maxCostUsd: number; windowSeconds: number; scope?: 'org' | 'team' | 'user' | 'key' | 'session'; name?: string }) {
    super();
  }
  toRule() {
    const { maxCostUsd, windowSeconds, scope = 'org', name } = this.options;
    return { type: 'velocity', name: name ?? 'cost_velocity', scope, max_cost_usd: maxCostUsd, window_seconds: windowSeconds };
  }
}

/** Block calls to specific models, optionally only when a condition holds. */
export class RestrictModelRule extends SeedRule {
  constructor(readonly options: { disallowedModels: Iterable<string>; condition?: Condition; name?: string }) {
    super();
  }
  toRule() {
    const { disallowedModels, condition, name } = this.options;
    return withWhen({ type: 'model_access', name: name ?? 'restrict_model', blocked_models: [...disallowedModels] }, condition);
  }
}

/** Silently swap the model when a condition (usually on labels) holds. */
export class TagBasedModelDowngradeRule extends SeedRule {
  constructor(readonly options: { condition: Condition; downgradeTo: string; name?: string }) {
    super();
  }
  toRule() {
    const { condition, downgradeTo, name } = this.options;
    return withWhen({ type: 'model_downgrade', name: name ?? 'tag_based_downgrade', downgrade_to: downgradeTo }, condition);
  }
}
