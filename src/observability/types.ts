import type { TracerProvider } from '@opentelemetry/api';
import type { Registry } from 'prom-client';

/**
 * A dependency `/readyz` checks: the counter store, the database, ... `ping()` resolves when
 * it answers (both `CounterStore` and `Store` fit).
 */
export interface HealthProbe {
  /** `counters`, `store`, ...: the `component` label of `warden_component_up`. */
  name: string;
  ping(): Promise<void>;
}

export interface ObservabilityOptions {
  /** Where the gateway's metrics live; default a fresh registry per gateway (never prom-client's global one). */
  registry?: Registry;
  /** Default: the globally registered provider (the API's no-op tracer when none is). */
  tracerProvider?: TracerProvider;
  /** Distinct `model` label values before new ones are counted as `other`; default 50. */
  maxModelLabels?: number;
  /** Distinct org/team/key label values before new ones are counted as `other`; default 1,000. */
  maxTenantLabels?: number;
  /** When set, `GET /metrics` wants `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Process metrics (`process_*`, `nodejs_*`); default true. */
  processMetrics?: boolean;
}

/** What an upstream call needs to know to be traced; a structural slice of `ForwardInput`. */
export interface TracedCall {
  route: { id: string; upstream: string };
  /** Holds `x-warden-upstream`, the upstream the router picked for this attempt. */
  responseHeaders: Record<string, string>;
}

/**
 * The per-request hooks the upstream relay calls: it wraps each upstream call (a span, the
 * `traceparent` to send, its duration) and marks the first streamed event.
 */
export interface UpstreamTrace {
  upstreamCall<T extends { status: number }>(call: TracedCall, send: (headers: Record<string, string>) => Promise<T>): Promise<T>;
  firstChunk(): void;
}
