import type { Decision, Tenant } from '../engine/types.js';
import type { PolicySet } from '../engine/policy-set.js';
import type { PricingPort } from '../engine/context.js';
import type { TokenUsage } from '../pricing/index.js';

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
  /** Per-key requests-per-minute limit (in memory); default 100. `false` turns it off. */
  rateLimit?: { requestsPerMinute: number } | false;
  /** Prices for the actual cost; defaults to the engine's catalog (`createPricing`). */
  pricing?: PricingPort;
  logger?: GatewayLogger;
  /** Called once per request after the response ended (or failed); errors thrown here are logged. */
  onComplete?: (record: CompletionRecord) => void;
  /** Injected clock (ms since epoch) and request-id source, for tests. */
  now?: () => number;
  requestId?: () => string;
}

export interface Gateway {
  url: string;
  port: number;
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
  /** Actual cost in USD from the usage; `null` when the usage or the model's price is unknown. */
  costUsd: number | null;
  /** The upstream answered this status (its own errors are passed through). */
  upstreamStatus?: number;
  /** True when the client went away before the response ended (the upstream call was aborted). */
  clientAborted: boolean;
  startedAt: number;
  durationMs: number;
}
