import { Environment } from '@marcbachmann/cel-js';
import type { EvalContext } from './rule-kind.js';

/**
 * Rule conditions (`when`) are CEL expressions over the request. The variables
 * below are the whole vocabulary; `warden policy schema` and docs/policies.md list them.
 */
export const CONDITION_VARIABLES = {
  model: ['string', 'model requested (after a default was applied), "" when none'],
  provider: ['string', 'wire format / provider: "openai", "anthropic", ...'],
  endpoint: ['string', 'API called: "chat", "responses", "messages", "embeddings", ...'],
  labels: ['map<string, string>', 'request labels (x-warden-labels header, SDK labels)'],
  org: ['string', 'organisation of the caller'],
  team: ['string', 'team of the caller, "" when none'],
  user: ['string', 'user of the caller (the key\'s user, else the end user named in the request), "" when none'],
  role: ['string', 'role of the caller, "" when none'],
  environment: ['string', 'environment of the key or SDK, "" when none'],
  session: ['string', 'session id, "" when none'],
  mission: ['string', 'mission id, "" when none'],
  stream: ['bool', 'whether the response is streamed'],
  input_tokens: ['int', 'input tokens of the prompt'],
  max_output_tokens: ['int', 'output cap of the request (or the configured default)'],
  estimated_cost_usd: ['double', 'worst-case cost in USD; -1.0 when the model has no known price'],
  hour: ['int', 'hour of the day, UTC, 0-23'],
  weekday: ['int', 'day of the week, UTC, 0 = Sunday .. 6 = Saturday'],
} as const satisfies Record<string, readonly [string, string]>;

function createEnvironment(): Environment {
  const env = new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true });
  for (const [name, [type, description]] of Object.entries(CONDITION_VARIABLES)) {
    env.registerVariable(name, type, { description });
  }
  return env;
}

const environment = createEnvironment();

export type Condition = (ctx: EvalContext) => ConditionResult;
export type ConditionResult = { value: boolean; error?: undefined } | { value: false; error: string };

/**
 * Compiles a `when` expression once. Returns an error message instead of throwing
 * so the compiler can report every problem of a document with its path.
 */
export function compileCondition(source: string): Condition | { error: string } {
  let program: ((vars: Record<string, unknown>) => unknown) & { ast?: unknown };
  try {
    program = environment.parse(source) as typeof program;
    // cel-js runs `matches()` with a backtracking JavaScript RegExp; a tenant's pattern
    // must never be able to stall the engine, so regexes belong in content_filter (RE2).
    // The parsed tree is checked, not the text, so comments and spacing cannot hide a call.
    if (callsFunction(program.ast, FORBIDDEN_FUNCTIONS)) {
      return { error: 'matches() is not allowed in conditions (backtracking regex); use startsWith, endsWith, contains or a content_filter rule' };
    }
    const checked = environment.check(source);
    if (!checked.valid) return { error: firstLine(checked.error?.message ?? 'invalid expression') };
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      return { error: `condition must be a bool expression, got ${checked.type}` };
    }
  } catch (err) {
    return { error: firstLine((err as Error).message) };
  }
  return labelComparison(program.ast) ?? ((ctx) => {
    // A missing label (`labels.plan` when no plan label is set) is an evaluation error in
    // CEL, thrown on every such call: capturing its stack trace cost more than the whole
    // evaluation, and nobody reads it, so it is not captured (evaluation is synchronous).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return program(conditionVariables(ctx)) === true ? { value: true } : { value: false };
    } catch (err) {
      // The rule then does not apply, and the outcome records why.
      return { value: false, error: firstLine((err as Error).message) };
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  });
}

interface AstNode {
  op: string;
  args: unknown;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).op === 'string';
}

/** `labels.K` or `labels["K"]` → K. */
function labelKey(node: unknown): string | undefined {
  if (!isNode(node) || !Array.isArray(node.args)) return undefined;
  const [target, key] = node.args as unknown[];
  if (!isNode(target) || target.op !== 'id' || target.args !== 'labels') return undefined;
  if (node.op === '.' && typeof key === 'string') return key;
  if (node.op === '[]' && isNode(key) && key.op === 'value' && typeof key.args === 'string') return key.args;
  return undefined;
}

/** `"K" in labels` or `has(labels.K)` → K. */
function labelPresence(node: unknown): string | undefined {
  if (!isNode(node) || !Array.isArray(node.args)) return undefined;
  const [a, b] = node.args as unknown[];
  if (node.op === 'in' && isNode(a) && a.op === 'value' && typeof a.args === 'string' && isNode(b) && b.op === 'id' && b.args === 'labels') return a.args;
  if (node.op === 'call' && a === 'has' && Array.isArray(b) && b.length === 1) {
    const key = labelKey(b[0]);
    return key !== undefined && isNode(b[0]) && b[0].op === '.' ? key : undefined;
  }
  return undefined;
}

interface LabelComparison {
  key: string;
  expected: string;
  equal: boolean;
}

/** `labels.K == "v"` or `!=`, either way round. */
function labelComparisonParts(ast: unknown): LabelComparison | undefined {
  if (!isNode(ast) || (ast.op !== '==' && ast.op !== '!=') || !Array.isArray(ast.args) || ast.args.length !== 2) return undefined;
  const [left, right] = ast.args as unknown[];
  let key = labelKey(left);
  let literal = right;
  if (key === undefined) {
    key = labelKey(right);
    literal = left;
  }
  if (key === undefined || !isNode(literal) || literal.op !== 'value' || typeof literal.args !== 'string') return undefined;
  return { key, expected: literal.args, equal: ast.op === '==' };
}

/**
 * The most common conditions, `labels.K == "v"` (or `!=`, either way round) and the same
 * guarded by `"K" in labels &&` or `has(labels.K) &&`, evaluated without the CEL
 * interpreter, with CEL's own result: an unguarded missing label is the error
 * `No such key: K`, as cel-js reports it; a guarded one is false. Everything else goes to cel-js.
 */
function labelComparison(ast: unknown): Condition | undefined {
  let guarded = false;
  let parts: LabelComparison | undefined;
  if (isNode(ast) && ast.op === '&&' && Array.isArray(ast.args) && ast.args.length === 2) {
    parts = labelComparisonParts(ast.args[1]);
    if (!parts || labelPresence(ast.args[0]) !== parts.key) return undefined;
    guarded = true;
  } else {
    parts = labelComparisonParts(ast);
  }
  if (!parts) return undefined;
  const { key, expected, equal } = parts;
  const missing: ConditionResult = guarded ? { value: false } : { value: false, error: `No such key: ${key}` };
  return (ctx) => {
    const labels = ctx.request.labels;
    if (!Object.hasOwn(labels, key)) return missing;
    return (labels[key] === expected) === equal ? { value: true } : { value: false };
  };
}

const FORBIDDEN_FUNCTIONS = new Set(['matches']);

/** True when the expression tree calls one of `names`, as a function or a method. */
function callsFunction(node: unknown, names: ReadonlySet<string>): boolean {
  if (Array.isArray(node)) return node.some((child) => callsFunction(child, names));
  if (!node || typeof node !== 'object') return false;
  const { op, args } = node as { op?: unknown; args?: unknown };
  if ((op === 'call' || op === 'rcall') && Array.isArray(args) && typeof args[0] === 'string' && names.has(args[0])) return true;
  return callsFunction(args, names);
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}

function conditionVariables(ctx: EvalContext): Record<string, unknown> {
  const { request, tenant } = ctx;
  return {
    model: ctx.model ?? '',
    provider: request.provider,
    endpoint: request.endpoint,
    labels: request.labels,
    org: tenant.org,
    team: tenant.team ?? '',
    user: tenant.user ?? request.endUser ?? '',
    role: tenant.role ?? '',
    environment: tenant.environment ?? '',
    session: request.sessionId ?? '',
    mission: request.missionId ?? '',
    stream: request.stream,
    // Token counting and pricing cost time: only conditions that read them pay for them.
    get input_tokens() {
      return BigInt(ctx.estimate().inputTokens);
    },
    get max_output_tokens() {
      return BigInt(ctx.estimate().maxOutputTokens);
    },
    get estimated_cost_usd() {
      return ctx.estimate().costUsd ?? -1;
    },
    get hour() {
      return BigInt(new Date(ctx.now).getUTCHours());
    },
    get weekday() {
      return BigInt(new Date(ctx.now).getUTCDay());
    },
  };
}
