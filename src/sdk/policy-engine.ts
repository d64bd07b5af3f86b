import { BaseRule, type RuleFunction } from '../engine/custom-rule.js';
import { type EngineOptions, compilePolicies } from '../engine/engine.js';
import type { PolicyDocument } from '../engine/policy-document.js';
import type { PolicySet } from '../engine/policy-set.js';
import type { Decision, LlmRequest, Tenant } from '../engine/types.js';
import { SeedRule } from './seed-rules.js';

/** A rule given in code: a seed-style class, a custom rule, or a rule document object. */
export type SdkRule = SeedRule | BaseRule | RuleFunction | Record<string, unknown>;

export interface PolicyEngineOptions extends EngineOptions {
  /** Rules in order (seed 003); they form one policy named `name`. */
  rules?: readonly SdkRule[];
  /** Whole policy documents (YAML/JSON shapes), evaluated with the rules. */
  policies?: readonly PolicyDocument[];
  /** Name of the policy the `rules` form; default `sdk`. */
  name?: string;
}

function toRuleEntry(rule: SdkRule): unknown {
  return rule instanceof SeedRule ? rule.toRule() : rule;
}

/**
 * The in-process engine (seed 003): the same compiler and `decide()` as the gateway.
 * Compiles once in the constructor; an invalid rule throws PolicyValidationError with
 * every problem and its path.
 */
export class PolicyEngine {
  readonly policies: PolicySet;
  /** The documents this engine was compiled from (to combine with an enforcement config). */
  readonly documents: readonly unknown[];
  readonly options: EngineOptions;

  constructor(options: PolicyEngineOptions = {}) {
    const { rules, policies, name, ...engineOptions } = options;
    const documents: unknown[] = [...(policies ?? [])];
    if (rules?.length) documents.push({ policy_name: name ?? 'sdk', rules: rules.map(toRuleEntry) });
    this.documents = documents;
    this.options = engineOptions;
    this.policies = compilePolicies(documents, engineOptions, 'PolicyEngine');
  }

  decide(request: LlmRequest, tenant: Tenant, now: number = Date.now()): Decision {
    return this.policies.decide(request, tenant, now);
  }

  /** A new engine with more documents after this one's (e.g. an enforcement config). */
  with(documents: readonly unknown[]): PolicyEngine {
    return new PolicyEngine({ ...this.options, policies: [...this.documents, ...documents] as PolicyDocument[] });
  }
}
