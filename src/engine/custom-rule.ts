import type { EvalContext, RuleEvaluator } from './rule-kind.js';
import type { Message, RuleResult, Stage } from './types.js';

/** What a custom rule returns (seed 003): allow, or an action with a reason. */
export interface RuleDecisionInit {
  allow: boolean;
  action?: 'block' | 'throttle' | 'escalate' | 'flag' | 'modify';
  reason?: string;
  metadata?: Record<string, unknown>;
  /** With `action: 'modify'`: the model to use instead. */
  model?: string;
  /** With `action: 'throttle'`: when the caller may retry. */
  retryAfterSeconds?: number;
}

export class RuleDecision implements RuleDecisionInit {
  readonly allow: boolean;
  readonly action?: RuleDecisionInit['action'];
  readonly reason?: string;
  readonly metadata?: Record<string, unknown>;
  readonly model?: string;
  readonly retryAfterSeconds?: number;

  constructor(init: RuleDecisionInit) {
    this.allow = init.allow;
    this.action = init.action;
    this.reason = init.reason;
    this.metadata = init.metadata;
    this.model = init.model;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** The request as a custom rule sees it (seed 003: model, messages, kwargs, labels, storage). */
export interface RuleContext {
  model: string | undefined;
  messages: readonly Message[];
  /** The raw request body as the client sent it. */
  kwargs: unknown;
  labels: Readonly<Record<string, string>>;
  org: string;
  team: string | undefined;
  user: string | undefined;
  environment: string | undefined;
  inputTokens: number;
  /** Worst-case USD, `null` when the model has no known price. */
  estimatedCostUsd: number | null;
  now: Date;
  /** Whatever the host passed as `storage` when compiling (the SDK passes its counters). */
  storage: unknown;
}

/** Subclass and implement `evaluate` (seed 003). Runs in the `access` stage unless `stage` says otherwise. */
export abstract class BaseRule {
  readonly stage: Stage = 'access';
  get name(): string {
    return this.constructor.name;
  }
  abstract evaluate(ctx: RuleContext): RuleDecisionInit;
}

export type RuleFunction = (ctx: RuleContext) => RuleDecisionInit;
export type CustomRule = BaseRule | RuleFunction;

export function customRuleName(rule: CustomRule): string {
  return rule instanceof BaseRule ? rule.name : rule.name || 'custom';
}

export function customRuleStage(rule: CustomRule): Stage {
  return rule instanceof BaseRule ? rule.stage : 'access';
}

/** Adapts a custom rule to the engine's evaluator contract. */
export function customEvaluator(rule: CustomRule, storage: unknown): RuleEvaluator {
  const run = rule instanceof BaseRule ? (c: RuleContext) => rule.evaluate(c) : rule;
  return (ctx: EvalContext): RuleResult => toRuleResult(run(toRuleContext(ctx, storage)));
}

/**
 * The seed-003 view of the request, for custom rules and function conditions. Token
 * counting and pricing cost time, so `inputTokens`, `estimatedCostUsd` and `now` are
 * computed when a rule first reads them (a condition on labels pays for neither). A class,
 * so that those three are getters on its prototype: an object literal with getters costs
 * a few microseconds to create on every call.
 */
class SeedRuleContext implements RuleContext {
  readonly model: string | undefined;
  readonly messages: readonly Message[];
  readonly kwargs: unknown;
  readonly labels: Readonly<Record<string, string>>;
  readonly org: string;
  readonly team: string | undefined;
  readonly user: string | undefined;
  readonly environment: string | undefined;
  readonly storage: unknown;
  readonly #ctx: EvalContext;

  constructor(ctx: EvalContext, storage: unknown) {
    this.#ctx = ctx;
    this.model = ctx.model;
    this.messages = ctx.messages;
    this.kwargs = ctx.request.body;
    this.labels = ctx.request.labels;
    this.org = ctx.tenant.org;
    this.team = ctx.tenant.team;
    this.user = ctx.tenant.user ?? ctx.request.endUser;
    this.environment = ctx.tenant.environment;
    this.storage = storage;
  }

  get inputTokens(): number {
    return this.#ctx.estimate().inputTokens;
  }

  get estimatedCostUsd(): number | null {
    return this.#ctx.estimate().costUsd;
  }

  get now(): Date {
    return new Date(this.#ctx.now);
  }
}

export function toRuleContext(ctx: EvalContext, storage: unknown): RuleContext {
  return new SeedRuleContext(ctx, storage);
}

/** A condition written in code (seed 003 `condition=lambda ctx: ...`) instead of CEL. */
export type ConditionFunction = (ctx: RuleContext) => boolean;

function toRuleResult(d: RuleDecisionInit): RuleResult {
  const reason = d.reason ?? (typeof d.metadata?.reason === 'string' ? d.metadata.reason : undefined);
  const metadata = d.metadata;
  if (d.allow && (d.action === undefined || d.action === 'flag' || d.action === 'modify')) {
    if (d.action === 'flag') return { outcome: 'flag', reason: reason ?? 'flagged', metadata };
    if (d.action === 'modify' && d.model) return { outcome: 'modify', reason: reason ?? `model changed to ${d.model}`, patch: { model: d.model }, metadata };
    return { outcome: 'pass', reason, metadata };
  }
  switch (d.action) {
    case 'throttle':
      return { outcome: 'throttle', reason: reason ?? 'throttled', retryAfterSeconds: d.retryAfterSeconds ?? 60, code: 'rate_limited', metadata };
    case 'escalate':
      return { outcome: 'escalate', reason: reason ?? 'approval required', code: 'approval_required', metadata };
    case 'flag':
      return { outcome: 'flag', reason: reason ?? 'flagged', metadata };
    case 'modify':
      if (d.model) return { outcome: 'modify', reason: reason ?? `model changed to ${d.model}`, patch: { model: d.model }, metadata };
      return { outcome: 'block', reason: 'custom rule asked to modify without a model', code: 'policy_violation', metadata };
    default:
      return { outcome: 'block', reason: reason ?? 'blocked by custom rule', code: 'policy_violation', metadata };
  }
}
