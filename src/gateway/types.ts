import type { ApprovalGate } from '../approvals/approval-gate.js';
import type { Decision, Tenant } from '../engine/types.js';
import type { PolicySet } from '../engine/policy-set.js';
import type { PricingPort } from '../engine/context.js';
import type { InjectionClassifier } from '../engine/confirm.js';
import type { TokenUsage } from '../pricing/index.js';
import type { CounterStore } from '../counters/counter-store.js';
import type { ApprovalGateOptions } from '../approvals/approval-gate.js';
import type { ApprovalQueue, ApprovalStatus } from '../approvals/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FailoverOptions, UpstreamAttempt } from './failover.js';
import type { OutputRecord } from './output-stage.js';
import type { Authenticated } from './auth.js';
import type { HealthProbe, ObservabilityOptions } from '../observability/types.js';

/**
 * A virtual key from the config file. Only the SHA-256 of the secret is kept
 * (`hashVirtualKey`); the record names who is calling.
 */
export interface KeyRecord {
  id: string;
  /** Hex SHA-256 of the key's secret. */
  sha256: string;
  org: string;
  team?: string;
  user?: string;
  environment?: string;
  role?: string;
  /** Requests per minute for this key; overrides the gateway default. */
  rpmLimit?: number;
  /** Tokens (input + output) per sliding minute for this key. */
  tpmLimit?: number;
  /** USD this key may spend per `budgetDuration`; checked with every other budget in one reservation. */
  maxBudgetUsd?: number;
  /** `1d` (UTC day), `1mo` (calendar month), `Nd` / `Nh` (sliding); default `1mo`. */
  budgetDuration?: string;
}

export interface UpstreamConfig {
  /**
   * As the official SDKs take it: OpenAI's includes `/v1` (`https://api.openai.com/v1`),
   * Anthropic's does not (`https://api.anthropic.com`).
   */
  baseUrl: string;
  apiKey: string;
}

export interface GatewayLimits {
  /** Largest request body accepted; default 4 MiB. */
  maxBodyBytes?: number;
  /** Longest the upstream may stay silent while sending its body; default 300 s. */
  upstreamTimeoutMs?: number;
  /** Longest to wait for the upstream's response headers (a non-streamed reply sends them last); default 600 s. */
  headersTimeoutMs?: number;
}

/** A tiny structured logger; pino fits. */
export interface GatewayLogger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

export interface GatewayOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** The compiled policies, or a getter so a new set can be swapped in live. */
  policies: PolicySet | (() => PolicySet);
  keys: readonly KeyRecord[];
  upstreams: { openai?: UpstreamConfig; anthropic?: UpstreamConfig };
  limits?: GatewayLimits;
  /**
   * Per-key requests-per-minute limit (in memory); default 100. Requests that fail to
   * authenticate count per client IP (`unauthenticatedPerMinute`, default 60). `false` turns both off.
   */
  rateLimit?: { requestsPerMinute: number; unauthenticatedPerMinute?: number } | false;
  /** The admin token (`WARDEN_ADMIN_TOKEN`) for `/api/v1/approvals`; without it the admin API answers 403. */
  adminToken?: string;
  /**
   * Human approval of escalated calls. Held requests wait only when an admin token is set
   * (someone can decide); otherwise, or with `false`, escalations answer 403 `approval_required`.
   */
  approvals?: Omit<ApprovalGateOptions, 'now'> | false;
  /**
   * Where approvals are kept; default in process memory. `warden serve` passes one on its
   * store (StoreApprovalQueue), so every gateway on that database lists and decides them.
   */
  approvalQueue?: ApprovalQueue;
  /** Named extra upstreams, per-model fallbacks, retries and circuit breakers. */
  failover?: FailoverOptions;
  /**
   * Where budgets and limits are counted; default an in-process memory store. Share one
   * Redis store (`connectRedisCounterStore`) across replicas and SDK processes for exact totals.
   */
  counters?: CounterStore;
  /** How long a reservation holds before it returns on its own; default 15 min (longer than the longest call). */
  leaseMs?: number;
  /** Prices for the actual cost; defaults to the engine's catalog (`createPricing`). */
  pricing?: PricingPort;
  logger?: GatewayLogger;
  /** Dependencies `/readyz` pings besides `counters` (a database, ...); see docs/operations.md. */
  health?: readonly HealthProbe[];
  /** Metrics registry, tracer provider and label caps (src/observability). */
  observability?: ObservabilityOptions;
  /** How long close() lets requests in flight (streams included) finish before cutting them; default 5 s. */
  drainMs?: number;
  /** Called once per request after the response ended (or failed); errors thrown here are logged. */
  onComplete?: (record: CompletionRecord) => void;
  /**
   * Keys made through the admin API, asked when a presented key is not in `keys`. A string
   * is why a known key may not be used (revoked, expired): the 401 names it.
   */
  resolveKey?: (secret: string) => Promise<Authenticated | string | undefined>;
  /** The policy set of the caller's org (a Map lookup); replaces `policies` for decisions. */
  policiesFor?: (tenant: Tenant) => PolicySet;
  /**
   * Makes the audit record of a decided request durable. The response's final bytes wait
   * for it, so no delivered response lacks its record; a failed append cuts the response.
   */
  audit?: (record: CompletionRecord) => Promise<void>;
  /** Answers the rest of `/api/v1/` (the REST admin API, src/admin). */
  adminApi?: AdminRoutes;
  /**
   * Confirms the hits of `prompt_injection` rules with `confirm_with_classifier: true` with an
   * LLM before they take effect (`createInjectionClassifier`); without it those hits stand.
   */
  classifier?: InjectionClassifier;
  /** Injected clock (ms since epoch) and request-id source, for tests. */
  now?: () => number;
  requestId?: () => string;
}

export interface Gateway {
  url: string;
  port: number;
  /** The gate holding escalated calls (its `held` event, `whenHeld()`); undefined when approvals are off. */
  approvals: ApprovalGate | undefined;
  close(): Promise<void>;
}

/** What happened to one request: the lead wires audit and counters to it. */
export interface CompletionRecord {
  requestId: string;
  /** `openai.chat`, `anthropic.messages`, ... or `unknown` for unmatched paths. */
  route: string;
  method: string;
  path: string;
  /** The caller, once authenticated. */
  tenant?: Tenant;
  /** The engine's decision, once one was made. */
  decision?: Decision;
  /** HTTP status sent to the client. */
  status: number;
  /** Stable code of a Warden-made error (`content_blocked`, `unauthorized`, ...). */
  errorCode?: string;
  stream: boolean;
  /** The model sent upstream (after any downgrade). */
  model?: string;
  /** Usage as the provider reported it; absent when the call never reached it or it reported none. */
  usage?: TokenUsage;
  /** Tool calls the response made (counted for `loop_breaker` rules); absent when it made none. */
  toolCalls?: number;
  /** Actual cost in USD from the usage; `null` when the usage or the model's price is unknown. */
  costUsd: number | null;
  /** The upstream answered this status (its own errors are passed through). */
  upstreamStatus?: number;
  /** True when the client went away before the response ended (the upstream call was aborted). */
  clientAborted: boolean;
  /** What the output stage found in the response, per chunk (entity types and counts, never values). */
  output?: OutputRecord;
  /** The upstream that answered (`openai`, `anthropic` or a named one). */
  upstream?: string;
  /** Every upstream call made, in order, with retries and fallbacks. */
  attempts?: UpstreamAttempt[];
  /** Budget and limit reservation: `settled`, `released`, or `unmetered` (store down, rules fail open), with why. */
  counters?: { outcome: 'settled' | 'released' | 'unmetered' | 'error'; detail?: string };
  /** The human approval an escalated call waited for. */
  approval?: { id: string; status: ApprovalStatus; decidedBy?: string; waitedMs: number };
  startedAt: number;
  durationMs: number;
}

/** An admin request as the gateway hands it on. */
export interface AdminRequest {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  /** Headers every response carries (x-request-id, RateLimit-*). */
  headers: Record<string, string>;
  /**
   * Counts a failed authentication against the client's address; throws the 429 when the
   * address is over its limit. Called before the token check with `failed: false` too.
   */
  guard(failed: boolean): void;
}

/** A handler for admin paths the gateway does not answer itself. */
export interface AdminRoutes {
  handle(input: AdminRequest): Promise<void>;
  /** Given the gateway's approval gate, the admin API serves `/api/v1/approvals` with its roles. */
  attachApprovals?(gate: ApprovalGate | undefined): void;
}
