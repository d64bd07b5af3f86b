// The provider-neutral shapes that flow through the engine. The gateway and the
// SDK map their wire formats onto these; rules and the decision record read them.

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

export interface TextPart {
  type: 'text';
  text: string;
}

/** A part the engine cannot read as text (an image, audio, a file). Reported as skipped. */
export interface OpaquePart {
  type: 'image' | 'audio' | 'file' | 'other';
}

export type ContentPart = TextPart | OpaquePart;

export interface ToolCall {
  id?: string;
  name: string;
  /** JSON text of the arguments, as the provider sends it. */
  arguments: string;
}

export interface Message {
  role: Role;
  content: string | ContentPart[];
  name?: string;
  toolCalls?: ToolCall[];
}

export interface LlmRequest {
  /** Stable id of this call, carried into the decision record (`request_id`). */
  requestId: string;
  /** Wire format / provider family, e.g. `openai`, `anthropic`. */
  provider: string;
  /** Which API was called: `chat`, `responses`, `messages`, `embeddings`, ... */
  endpoint: string;
  /** Undefined when the client sent none (a `model_access` default may fill it). */
  model?: string;
  messages: Message[];
  tools?: unknown[];
  /** The request's own output cap; when absent, the engine uses its configured default. */
  maxOutputTokens?: number;
  stream: boolean;
  labels: Record<string, string>;
  sessionId?: string;
  missionId?: string;
  /** The end user named in the request body (OpenAI `user`, Anthropic `metadata.user_id`). */
  endUser?: string;
  /** The raw request body, for custom rules that want provider-specific fields (`kwargs`). */
  body?: unknown;
  /**
   * The injection classifier's answer on this request's prompt-injection hits. Absent on the
   * first decide(); the gateway or SDK sets it before deciding a second time, and rules with
   * `confirm_with_classifier` read it (`benign` drops their hit). See src/engine/confirm.ts.
   */
  classifierVerdict?: ClassifierVerdict;
}

/** What the LLM classifier said about the texts a `confirm_with_classifier` rule flagged. */
export interface ClassifierVerdict {
  /** `error`: no usable answer (timeout, HTTP error, an answer other than the one word). */
  readonly verdict: 'injection' | 'benign' | 'error';
  /** With `error`: keep the heuristic hit (the default, fail closed) or let the call through. */
  readonly onError?: 'keep' | 'allow';
  /** Why it failed (`timeout after 2000 ms`, `HTTP 500`), for the record; never the text. */
  readonly detail?: string;
}

/**
 * Who is calling: resolved from the virtual key at the gateway, or from SDK options.
 * Treated as immutable once passed to `decide()` (the engine caches per tenant object).
 */
export interface Tenant {
  org: string;
  team?: string;
  user?: string;
  /** Id of the virtual key (never the secret). */
  keyId?: string;
  /**
   * The first characters of the credential in use (at most 16), for prefix checks such as
   * `key_environment_check`. Never the whole key; never written to a record.
   */
  keyPrefix?: string;
  environment?: string;
  role?: string;
}

export type Action = 'allow' | 'block' | 'modify' | 'throttle' | 'escalate';

/** What one rule said. `flag` is a log-only match; `skip` means the rule did not apply. */
export type Outcome = 'pass' | 'skip' | 'flag' | 'modify' | 'escalate' | 'throttle' | 'block';

export interface Redaction {
  /** What was redacted, e.g. `pattern:api_key`, `EMAIL`. Never the value. */
  entity: string;
  count: number;
}

/** A change a rule asks for; the engine folds them into `Decision.modifications`. */
export interface Patch {
  model?: string;
  /** A rewritten message list (redactions); the engine keeps the latest. */
  messages?: Message[];
  redactions?: Redaction[];
}

/**
 * An amount a stateful rule needs reserved against a cap before the call goes out.
 * The engine is pure: it computes claims; the host reserves them atomically in the
 * counter store (memory or Redis) and turns a refused claim into a throttle.
 */
export interface CounterClaim {
  policy: string;
  rule: string;
  /** What the counter is kept for: `org:acme`, `team:acme/search`, `session:abc`, ... */
  scope: string;
  /**
   * `usd` (amounts in USD), `tokens`, `requests`; `concurrent` (a slot freed when the call
   * ends); `dedup` (1 per identical request); `tool_calls` (settled to the tool calls the
   * response made; the call is refused once the count already passed `limit`).
   */
  metric: 'usd' | 'tokens' | 'requests' | 'concurrent' | 'dedup' | 'tool_calls';
  /** Calendar windows reset at UTC midnight / the first of the month; `sliding` uses `windowSeconds`. */
  window: 'day' | 'month' | 'none' | 'sliding';
  /** Length of a `sliding` window. */
  windowSeconds?: number;
  limit: number;
  /** Worst-case amount of this call (settled to the actual after the call). */
  amount: number;
  /**
   * `forecast`: not reserved; the host reads the scope's daily spend over `lookbackDays`
   * and refuses when 30 days at that rate (this call included) would pass `limit`.
   */
  kind?: 'reserve' | 'forecast';
  lookbackDays?: number;
  /** Let the call through unmetered when the counter store is unreachable (default: refuse). */
  failOpen?: boolean;
  /** Code of a refusal; by default `budget_exceeded` for calendar and total windows, `rate_limited` for sliding ones. */
  code?: string;
}

export type RuleResult =
  | { outcome: 'pass'; reason?: string; metadata?: Record<string, unknown>; claims?: CounterClaim[] }
  | { outcome: 'skip'; reason: string }
  | { outcome: 'flag'; reason: string; metadata?: Record<string, unknown> }
  | { outcome: 'modify'; reason: string; patch: Patch; metadata?: Record<string, unknown>; claims?: CounterClaim[] }
  | { outcome: 'escalate'; reason: string; code?: string; metadata?: Record<string, unknown> }
  | {
      outcome: 'throttle';
      reason: string;
      code?: string;
      retryAfterSeconds: number;
      metadata?: Record<string, unknown>;
    }
  | { outcome: 'block'; reason: string; code?: string; metadata?: Record<string, unknown> };

export interface RuleOutcome {
  policy: string;
  /** The rule's name (its `name`, else its `type`). */
  rule: string;
  type: string;
  stage: Stage;
  outcome: Outcome;
  reason?: string;
  code?: string;
  /** True when the rule sits in a `monitor` policy: it recorded what it would have done. */
  shadow: boolean;
  durationUs: number;
  metadata?: Record<string, unknown>;
}

export const STAGES = ['access', 'limits', 'budgets', 'content', 'approval', 'routing'] as const;
export type Stage = (typeof STAGES)[number];

export interface CostEstimate {
  model: string | undefined;
  inputTokens: number;
  /** True when the token count is an approximation (no tokenizer for this model family). */
  tokensApproximate: boolean;
  maxOutputTokens: number;
  /** Worst-case USD (input + max output); `null` when the model has no known price. */
  costUsd: number | null;
  priceSource: 'override' | 'catalog' | 'unknown';
}

export interface Modifications {
  model?: { from: string | undefined; to: string; rule: string };
  redactions: Redaction[];
  /** The message list to forward, when a rule rewrote it. */
  messages?: Message[];
}

export interface Decision {
  action: Action;
  /** Stable error code for non-allow decisions (`policy_violation`, `budget_exceeded`, ...). */
  code?: string;
  policy: string | null;
  rule: string | null;
  reason: string;
  outcomes: RuleOutcome[];
  modifications: Modifications;
  /** Amounts to reserve in the counter store before the call (budgets); empty when none. */
  claims: CounterClaim[];
  estimate: CostEstimate;
  retryAfterSeconds?: number;
  requestId: string;
  timestamp: string;
  user: string | null;
  environment: string | null;
  /** Revision of the compiled policy set that decided, for the audit trail. */
  revision: string;
  durationUs: number;
}
