import { performance } from 'node:perf_hooks';
import type { CompiledPolicy, CompiledRule, ScopeLevel } from './compile.js';
import { budgetHierarchyIssues } from '../rules/budget/hierarchy.js';
import { type ContextOptions, DecisionContext } from './context.js';
import { isoTimestamp } from './iso-time.js';
import { PolicyValidationError } from './errors.js';
import type { OutputCheck } from './rule-kind.js';
import type { CostEstimate, CounterClaim, Decision, LlmRequest, Modifications, RuleOutcome, RuleResult, Tenant } from './types.js';

/** A rule that inspects responses, as the output stage runs it. */
export interface OutputCheckEntry {
  readonly policy: string;
  readonly rule: string;
  readonly type: string;
  /** In a monitor policy: record what it would do, change nothing. */
  readonly shadow: boolean;
  readonly check: OutputCheck;
}

const RESOLVE_CACHE_LIMIT = 10_000;
/** What a monitor-mode rule would have done that the allow reason should mention. */
const SHADOW_REPORTED = new Set(['block', 'throttle', 'escalate', 'modify']);
const LEVEL_ORDER: Record<ScopeLevel, number> = { global: 0, org: 1, team: 2, user: 3, key: 4 };

function matches(policy: CompiledPolicy, tenant: Tenant): boolean {
  const { scope } = policy;
  return (
    (scope.org === undefined || scope.org === tenant.org) &&
    (scope.team === undefined || scope.team === tenant.team) &&
    (scope.user === undefined || scope.user === tenant.user) &&
    (scope.key === undefined || scope.key === tenant.keyId)
  );
}

/**
 * An immutable, indexed set of compiled policies. `decide()` never parses or compiles:
 * it looks up the rules that apply to the caller (cached per org/team/user/key/environment)
 * and runs them stage by stage.
 */
export class PolicySet {
  /** Policies by the value of their most specific scope field (`global` under ''). */
  private readonly index = new Map<ScopeLevel, Map<string, CompiledPolicy[]>>();
  private readonly resolved = new Map<string, readonly CompiledRule[]>();
  /** The gateway and SDK reuse one tenant object per key or client: skip building the string key. */
  private readonly byTenant = new WeakMap<Tenant, readonly CompiledRule[]>();
  private lastTenant: Tenant | undefined;
  private lastRules: readonly CompiledRule[] = [];
  readonly ruleCount: number;

  constructor(
    readonly policies: readonly CompiledPolicy[],
    readonly revision: string,
    private readonly options: ContextOptions,
  ) {
    // Seed 004: a child budget above its parent's is refused when written, not discovered at run time.
    const hierarchy = budgetHierarchyIssues(policies);
    if (hierarchy.length) throw new PolicyValidationError(hierarchy);
    for (const level of Object.keys(LEVEL_ORDER) as ScopeLevel[]) this.index.set(level, new Map());
    let count = 0;
    for (const policy of policies) {
      const { scope, level } = policy;
      const id = level === 'global' ? '' : (scope[level as 'org' | 'team' | 'user' | 'key'] as string);
      const bucket = this.index.get(level) as Map<string, CompiledPolicy[]>;
      const list = bucket.get(id);
      if (list) list.push(policy);
      else bucket.set(id, [policy]);
      if (policy.enabled) count += policy.rules.length;
    }
    this.ruleCount = count;
  }

  /**
   * The rules that apply to a caller, in evaluation order: by stage, then scope level
   * (org before team before user before key), then policy and rule order.
   * Levels add up (a team inherits its org's rules); within one level, a policy for the
   * caller's environment replaces the general policy's rules of the same type.
   */
  rulesFor(tenant: Tenant): readonly CompiledRule[] {
    // One client or key calls again and again: its tenant object is checked first.
    if (tenant === this.lastTenant) return this.lastRules;
    const known = this.byTenant.get(tenant) ?? this.resolve(tenant);
    this.lastTenant = tenant;
    this.lastRules = known;
    return known;
  }

  private resolve(tenant: Tenant): readonly CompiledRule[] {
    const env = tenant.environment ?? '';
    const cacheKey = `${tenant.org}\u0000${tenant.team ?? ''}\u0000${tenant.user ?? ''}\u0000${tenant.keyId ?? ''}\u0000${env}`;
    const cached = this.resolved.get(cacheKey);
    if (cached) {
      this.byTenant.set(tenant, cached);
      return cached;
    }

    const rules: { rule: CompiledRule; level: number }[] = [];
    const ids: Record<ScopeLevel, string | undefined> = { global: '', org: tenant.org, team: tenant.team, user: tenant.user, key: tenant.keyId };
    for (const level of Object.keys(LEVEL_ORDER) as ScopeLevel[]) {
      const id = ids[level];
      if (id === undefined) continue;
      const candidates = (this.index.get(level)?.get(id) ?? []).filter(
        (p) => p.enabled && matches(p, tenant) && (p.environments === null || p.environments.has(env)),
      );
      const overridden = new Set<string>();
      // Only an enforcing policy overrides: trialling a rule in monitor mode for one
      // environment must not switch off the rule enforced there.
      for (const p of candidates) if (p.environments !== null && p.mode === 'enforce') for (const t of p.types) overridden.add(t);
      for (const p of candidates) {
        for (const rule of p.rules) {
          if (p.environments === null && overridden.has(rule.type)) continue;
          rules.push({ rule, level: LEVEL_ORDER[level] });
        }
      }
    }
    rules.sort((a, b) => a.rule.stageIndex - b.rule.stageIndex || a.level - b.level || a.rule.order - b.rule.order);
    const list = Object.freeze(rules.map((r) => r.rule));
    if (this.resolved.size >= RESOLVE_CACHE_LIMIT) this.resolved.clear();
    this.resolved.set(cacheKey, list);
    this.byTenant.set(tenant, list);
    return list;
  }

  /**
   * The response checks of the rules that took part in `decision` (ran and were not skipped
   * by `when`), in evaluation order. Empty, without allocation, when no rule checks output.
   */
  outputChecks(decision: Decision, tenant: Tenant): OutputCheckEntry[] {
    let out: OutputCheckEntry[] | undefined;
    for (const rule of this.rulesFor(tenant)) {
      const check = rule.evaluate.output;
      if (!check) continue;
      const ran = decision.outcomes.some((o) => o.policy === rule.policy && o.rule === rule.name && o.outcome !== 'skip');
      if (ran) (out ??= []).push({ policy: rule.policy, rule: rule.name, type: rule.type, shadow: rule.shadow, check });
    }
    return out ?? [];
  }

  decide(request: LlmRequest, tenant: Tenant, now: number = Date.now()): Decision {
    const started = performance.now();
    const ctx = new DecisionContext(request, tenant, now, this.options);
    const outcomes: RuleOutcome[] = [];
    const modifications: Modifications = { redactions: [] };
    const claims: CounterClaim[] = [];
    const modifyReasons: string[] = [];
    let final: { rule: CompiledRule; result: Extract<RuleResult, { outcome: 'block' | 'throttle' | 'escalate' }> } | undefined;
    let escalation: typeof final;
    let firstModifier: CompiledRule | undefined;

    // One clock read per rule: each rule's end is the next one's start.
    let mark = started;
    for (const rule of this.rulesFor(tenant)) {
      const t0 = mark;
      let result: RuleResult;
      if (rule.when) {
        const condition = rule.when(ctx);
        if (!condition.value) {
          outcomes.push(outcome(rule, { outcome: 'skip', reason: condition.error ? `when: ${condition.error}` : 'when: false' }, t0, (mark = performance.now())));
          continue;
        }
      }
      try {
        result = rule.evaluate(ctx);
      } catch (err) {
        // A rule that fails must not let the call through unchecked.
        result = { outcome: 'block', code: 'policy_violation', reason: `rule failed: ${(err as Error).message}` };
      }
      outcomes.push(outcome(rule, result, t0, (mark = performance.now())));
      if (rule.shadow) continue;

      switch (result.outcome) {
        case 'block':
        case 'throttle':
          final = { rule, result };
          break;
        case 'escalate':
          escalation ??= { rule, result };
          break;
        case 'modify': {
          const { patch } = result;
          if (patch.model !== undefined && patch.model !== ctx.model) {
            modifications.model = { from: modifications.model?.from ?? request.model, to: patch.model, rule: rule.name };
          }
          if (patch.messages) modifications.messages = patch.messages;
          if (patch.redactions) modifications.redactions.push(...patch.redactions);
          ctx.update(patch.model, patch.messages);
          if (result.claims) claims.push(...result.claims);
          firstModifier ??= rule;
          modifyReasons.push(result.reason);
          break;
        }
        case 'pass':
          if (result.claims) claims.push(...result.claims);
          break;
        default:
          break;
      }
      if (final) break;
    }

    final ??= escalation;
    let action: Decision['action'] = 'allow';
    let code: string | undefined;
    let policy: string | null = null;
    let ruleName: string | null = null;
    let reason: string;
    let retryAfterSeconds: number | undefined;
    let decisionClaims = claims;
    if (final) {
      const { rule, result } = final;
      action = result.outcome;
      code = result.code ?? (result.outcome === 'throttle' ? 'rate_limited' : result.outcome === 'escalate' ? 'approval_required' : 'policy_violation');
      policy = rule.policy;
      ruleName = rule.name;
      reason = result.reason;
      if (result.outcome === 'throttle') retryAfterSeconds = result.retryAfterSeconds;
      // A refused call reserves nothing; an escalated one reserves once approved.
      if (result.outcome !== 'escalate') decisionClaims = [];
    } else if (firstModifier) {
      action = 'modify';
      policy = firstModifier.policy;
      ruleName = firstModifier.name;
      reason = modifyReasons.join('; ');
    } else {
      const shadowed = outcomes.find((o) => o.shadow && SHADOW_REPORTED.has(o.outcome));
      reason = shadowed ? `allowed (monitor: ${shadowed.rule} in ${shadowed.policy} would ${shadowed.outcome}: ${shadowed.reason})` : 'allowed';
    }
    return new EngineDecision(action, code, policy, ruleName, reason, outcomes, modifications, decisionClaims, retryAfterSeconds, request, tenant, now, this.revision, started, ctx);
  }
}

/**
 * What decide() returns. Its cost estimate is computed on first read: tokenizing costs more
 * than the rest of a typical decide(), and many callers never look at it. The estimate is an
 * own, enumerable accessor (spreads, JSON and structured clones see it), defined with one
 * shared getter, so every decision has the same fast shape: an object literal with `get`/`set`
 * is built in V8's dictionary mode, about 1 µs each, and every later read of it is a lookup.
 */
class EngineDecision implements Decision {
  // Declared, not defined: the constructor assigns each once, in this order.
  declare action: Decision['action'];
  declare code: string | undefined;
  declare policy: string | null;
  declare rule: string | null;
  declare reason: string;
  declare outcomes: RuleOutcome[];
  declare modifications: Modifications;
  declare claims: CounterClaim[];
  declare estimate: CostEstimate;
  declare retryAfterSeconds: number | undefined;
  declare requestId: string;
  declare timestamp: string;
  declare user: string | null;
  declare environment: string | null;
  declare revision: string;
  declare durationUs: number;
  #context: DecisionContext | undefined;
  #estimate: CostEstimate | undefined;

  static readonly #estimateProperty: PropertyDescriptor = {
    get(this: EngineDecision): CostEstimate {
      if (!this.#estimate) {
        this.#estimate = (this.#context as DecisionContext).estimate();
        this.#context = undefined;
      }
      return this.#estimate;
    },
    set(this: EngineDecision, value: CostEstimate) {
      this.#estimate = value;
      this.#context = undefined;
    },
    enumerable: true,
    configurable: true,
  };

  constructor(
    action: Decision['action'],
    code: string | undefined,
    policy: string | null,
    rule: string | null,
    reason: string,
    outcomes: RuleOutcome[],
    modifications: Modifications,
    claims: CounterClaim[],
    retryAfterSeconds: number | undefined,
    request: LlmRequest,
    tenant: Tenant,
    now: number,
    revision: string,
    started: number,
    context: DecisionContext,
  ) {
    this.action = action;
    this.code = code;
    this.policy = policy;
    this.rule = rule;
    this.reason = reason;
    this.outcomes = outcomes;
    this.modifications = modifications;
    this.claims = claims;
    this.retryAfterSeconds = retryAfterSeconds;
    this.requestId = request.requestId;
    this.timestamp = isoTimestamp(now);
    this.user = tenant.user ?? request.endUser ?? null;
    this.environment = tenant.environment ?? null;
    this.revision = revision;
    this.#context = context;
    Object.defineProperty(this, 'estimate', EngineDecision.#estimateProperty);
    this.durationUs = (performance.now() - started) * 1000;
  }
}

function outcome(rule: CompiledRule, result: RuleResult, t0: number, t1: number): RuleOutcome {
  // One literal with every field, absent ones undefined: every entry has one shape, made in
  // one allocation (adding the optional fields afterwards grew each entry twice).
  const { code, metadata } = result as { code?: string; metadata?: Record<string, unknown> };
  return {
    policy: rule.policy,
    rule: rule.name,
    type: rule.type,
    stage: rule.stage,
    outcome: result.outcome,
    reason: result.reason,
    code,
    shadow: rule.shadow,
    durationUs: (t1 - t0) * 1000,
    metadata,
  };
}
