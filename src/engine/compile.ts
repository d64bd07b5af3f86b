import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ruleKinds } from '../rules/registry.js';
import { compileCondition, type Condition } from './conditions.js';
import { type ConditionFunction, type CustomRule, customEvaluator, customRuleName, customRuleStage, toRuleContext } from './custom-rule.js';
import { formatPath, type PolicyIssue, PolicyValidationError } from './errors.js';
import { documentSchema, type PolicyScope } from './policy-document.js';
import type { RuleEvaluator, RuleKind } from './rule-kind.js';
import { type Stage, STAGES } from './types.js';

export const SCOPE_LEVELS = ['global', 'org', 'team', 'user', 'key'] as const;
export type ScopeLevel = (typeof SCOPE_LEVELS)[number];

export interface CompiledRule {
  readonly policy: string;
  readonly name: string;
  readonly type: string;
  readonly stage: Stage;
  readonly stageIndex: number;
  readonly shadow: boolean;
  readonly when: Condition | undefined;
  readonly evaluate: RuleEvaluator;
  /** Position for a stable order: scope level, policy, rule. */
  readonly order: number;
}

export interface CompiledPolicy {
  readonly name: string;
  readonly scope: PolicyScope;
  readonly level: ScopeLevel;
  /** `null` = every environment. */
  readonly environments: ReadonlySet<string> | null;
  readonly mode: 'enforce' | 'monitor';
  /** A disabled policy is still validated, but applies nothing. */
  readonly enabled: boolean;
  readonly rules: readonly CompiledRule[];
  /** Rule types this policy sets, for environment overrides. */
  readonly types: ReadonlySet<string>;
}

export interface CompileOptions {
  /** Custom rules referenced from documents as `{ type: custom, ref: NAME }`. */
  customRules?: Readonly<Record<string, CustomRule>>;
  /** Handed to custom rules as `ctx.storage` (seed 003). */
  storage?: unknown;
  /** Extra rule kinds (plugins); they cannot replace a built-in type. */
  kinds?: readonly RuleKind[];
}

const commonRuleFields = {
  type: z.string(),
  name: z.string().min(1).max(200).optional().describe('name shown in decisions; defaults to the type'),
  description: z.string().max(2000).optional(),
  when: z.string().min(1).max(4000).optional().describe('CEL condition; the rule applies only when it is true'),
};

const customRuleSchema = z
  .object({
    ...commonRuleFields,
    type: z.literal('custom'),
    ref: z.string().min(1).optional().describe('name of a custom rule registered with the engine'),
    rule: z.unknown().optional(),
  })
  .strict();

/** Turns zod issues into path-named issues; an unknown field is named at its own path. */
export function zodIssues(error: z.ZodError, at: (rel: readonly PropertyKey[]) => string): PolicyIssue[] {
  const out: PolicyIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: at([...issue.path, key]), message: 'unknown field' });
    } else {
      out.push({ path: at(issue.path), message: issue.message });
    }
  }
  return out;
}

/** Per-kind zod schemas, built once per process. */
const schemaCache = new WeakMap<RuleKind, z.ZodType>();
export function ruleSchema(kind: RuleKind): z.ZodType {
  let schema = schemaCache.get(kind);
  if (!schema) {
    schema = z.object({ ...commonRuleFields, ...kind.fields, type: z.literal(kind.type) }).strict();
    schemaCache.set(kind, schema);
  }
  return schema;
}

export function allRuleKinds(options: CompileOptions = {}): ReadonlyMap<string, RuleKind> {
  if (!options.kinds?.length) return ruleKinds;
  const map = new Map(ruleKinds);
  for (const kind of options.kinds) {
    if (!map.has(kind.type)) map.set(kind.type, kind);
  }
  return map;
}

function levelOf(scope: PolicyScope): ScopeLevel {
  if (scope.key) return 'key';
  if (scope.user) return 'user';
  if (scope.team) return 'team';
  if (scope.org) return 'org';
  return 'global';
}

/** Stable hash of the documents: the revision recorded with every decision. */
export function revisionOf(docs: readonly unknown[]): string {
  const json = JSON.stringify(docs, (_k, v) => (typeof v === 'function' || (v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) ? `[${v.constructor?.name ?? 'fn'}]` : v));
  return createHash('sha256').update(json).digest('hex').slice(0, 12);
}

/**
 * Validates and compiles one document. Every issue is collected with its path; any issue
 * refuses the whole document (nothing invalid is skipped).
 */
export function compileDocument(
  input: unknown,
  options: CompileOptions = {},
  issues: PolicyIssue[] = [],
  pathPrefix: (string | number)[] = [],
  policyIndex = 0,
): CompiledPolicy | undefined {
  const before = issues.length;
  const parsed = documentSchema.safeParse(input);
  if (!parsed.success) {
    issues.push(...zodIssues(parsed.error, (rel) => formatPath([...pathPrefix, ...rel])));
    return undefined;
  }
  const doc = parsed.data;
  const name = (doc.policy_name ?? doc.name) as string;
  const scope = doc.scope ?? {};
  const envList = [...(typeof doc.environment === 'string' ? [doc.environment] : (doc.environment ?? [])), ...(doc.environments ?? [])];
  const mode = doc.mode ?? 'enforce';
  const kinds = allRuleKinds(options);
  const rules: CompiledRule[] = [];
  const names = new Set<string>();

  doc.rules.forEach((raw, index) => {
    const rulePath = [...pathPrefix, 'rules', index];
    const compiled = compileRule(raw, kinds, options, issues, rulePath, name, scope);
    if (!compiled) return;
    if (names.has(compiled.name)) {
      issues.push({ path: formatPath([...rulePath, 'name']), message: `duplicate rule name "${compiled.name}" in this policy; give each rule of the same type a distinct name` });
      return;
    }
    names.add(compiled.name);
    rules.push({
      policy: name,
      name: compiled.name,
      type: compiled.type,
      stage: compiled.stage,
      stageIndex: STAGES.indexOf(compiled.stage),
      shadow: mode === 'monitor',
      when: compiled.when,
      evaluate: compiled.evaluate,
      order: policyIndex * 10_000 + index,
    });
  });
  if (issues.length > before) return undefined;
  return {
    name,
    scope,
    level: levelOf(scope),
    environments: envList.length ? new Set(envList) : null,
    mode,
    enabled: doc.enabled ?? true,
    rules,
    types: new Set(rules.map((r) => r.type)),
  };
}

interface RuleParts {
  name: string;
  type: string;
  stage: Stage;
  when: Condition | undefined;
  evaluate: RuleEvaluator;
}

function compileRule(
  raw: unknown,
  kinds: ReadonlyMap<string, RuleKind>,
  options: CompileOptions,
  issues: PolicyIssue[],
  rulePath: (string | number)[],
  policy: string,
  scope: PolicyScope,
): RuleParts | undefined {
  const at = (rel: readonly PropertyKey[]) => formatPath([...rulePath, ...rel]);
  if (typeof raw === 'function' || (raw && typeof raw === 'object' && 'evaluate' in raw && typeof (raw as { evaluate: unknown }).evaluate === 'function')) {
    // A custom rule instance or function passed in code (seed 003 PolicyEngine style).
    const rule = raw as CustomRule;
    return { name: customRuleName(rule), type: 'custom', stage: customRuleStage(rule), when: undefined, evaluate: customEvaluator(rule, options.storage) };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push({ path: at([]), message: 'a rule must be an object with a type' });
    return undefined;
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') {
    issues.push({ path: at(['type']), message: `missing rule type; expected one of ${[...kinds.keys(), 'custom'].join(', ')}` });
    return undefined;
  }
  let when: Condition | undefined;
  const whenSource = (raw as { when?: unknown }).when;
  if (typeof whenSource === 'function') {
    // A condition written in code (SDK, seed 003 lambdas); documents from files carry CEL.
    when = functionCondition(whenSource as ConditionFunction, options.storage);
    const { when: _code, ...rest } = raw as Record<string, unknown>;
    raw = rest;
  } else if (typeof whenSource === 'string') {
    const condition = compileCondition(whenSource);
    if (typeof condition === 'function') when = condition;
    else issues.push({ path: at(['when']), message: `invalid condition: ${condition.error}` });
  }
  if (type === 'custom') return compileCustomRule(raw as object, options, issues, at, when);

  const kind = kinds.get(type);
  if (!kind) {
    issues.push({ path: at(['type']), message: `unknown rule type "${type}"; expected one of ${[...kinds.keys(), 'custom'].join(', ')}` });
    return undefined;
  }
  const parsed = ruleSchema(kind).safeParse(raw);
  if (!parsed.success) {
    issues.push(...zodIssues(parsed.error, at));
    return undefined;
  }
  const config = parsed.data as Record<string, unknown> & { name?: string };
  const before = issues.length;
  let evaluate: RuleEvaluator | undefined;
  try {
    evaluate = kind.compile(config, { issue: (path, message) => issues.push({ path: at(path), message }), policy, scope });
  } catch (err) {
    issues.push({ path: at([]), message: (err as Error).message });
  }
  if (issues.length > before || !evaluate) return undefined;
  return { name: config.name ?? type, type, stage: kind.stage, when, evaluate };
}

const HOLDS = Object.freeze({ value: true });
const FAILS = Object.freeze({ value: false });

function functionCondition(fn: ConditionFunction, storage: unknown): Condition {
  return (ctx) => {
    try {
      return fn(toRuleContext(ctx, storage)) === true ? HOLDS : FAILS;
    } catch (err) {
      return { value: false, error: (err as Error).message };
    }
  };
}

function compileCustomRule(
  raw: object,
  options: CompileOptions,
  issues: PolicyIssue[],
  at: (rel: readonly PropertyKey[]) => string,
  when: Condition | undefined,
): RuleParts | undefined {
  const parsed = customRuleSchema.safeParse(raw);
  if (!parsed.success) {
    issues.push(...zodIssues(parsed.error, at));
    return undefined;
  }
  const { ref, rule, name } = parsed.data;
  const custom = (rule as CustomRule | undefined) ?? (ref ? options.customRules?.[ref] : undefined);
  if (!custom || (typeof custom !== 'function' && !(typeof (custom as { evaluate?: unknown }).evaluate === 'function'))) {
    const known = Object.keys(options.customRules ?? {});
    issues.push({
      path: at(ref ? ['ref'] : []),
      message: ref ? `no custom rule registered as "${ref}"${known.length ? `; registered: ${known.join(', ')}` : ''}` : 'a custom rule needs a ref (or a rule object when built in code)',
    });
    return undefined;
  }
  return { name: name ?? ref ?? customRuleName(custom), type: 'custom', stage: customRuleStage(custom), when, evaluate: customEvaluator(custom, options.storage) };
}

/** Compiles a set of documents; throws one PolicyValidationError listing every issue. */
export function compileDocuments(docs: readonly unknown[], options: CompileOptions = {}, source?: string): CompiledPolicy[] {
  const issues: PolicyIssue[] = [];
  const policies: CompiledPolicy[] = [];
  const seen = new Map<string, number>();
  docs.forEach((doc, i) => {
    const prefix = docs.length > 1 ? [`policies[${i}]`] : [];
    const compiled = compileDocument(doc, options, issues, prefix as string[], i);
    if (!compiled) return;
    const key = `${compiled.name}\u0000${JSON.stringify(compiled.scope)}`;
    if (seen.has(key)) {
      issues.push({ path: formatPath([...prefix, 'policy_name']), message: `duplicate policy "${compiled.name}" for the same scope (also policies[${seen.get(key)}])` });
      return;
    }
    seen.set(key, i);
    policies.push(compiled);
  });
  if (issues.length) throw new PolicyValidationError(issues, source);
  return policies;
}
