import { type Tracer, trace } from '@opentelemetry/api';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Gauge } from 'prom-client';
import type { CounterStore } from '../counters/counter-store.js';
import type { CompletionRecord, GatewayLogger } from '../gateway/types.js';
import { logCompletion } from './completion-log.js';
import { BudgetGauge } from './budget-gauge.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { HealthChecks } from './health-checks.js';
import { RequestTrace } from './request-trace.js';
import type { HealthProbe, ObservabilityOptions } from './types.js';

export interface GatewayObservabilityInput {
  options?: ObservabilityOptions;
  health?: readonly HealthProbe[];
  logger: GatewayLogger;
  /** True once a compiled policy set is in place (part of readiness). */
  policiesLoaded: () => boolean;
  /** The approval gate, for the calls it holds; absent when approvals are off. */
  approvals?: { readonly heldCount: number } | undefined;
  knownModel?: (provider: string, model: string) => boolean;
  /** The store budgets are counted in, for `warden_budget_remaining_usd`. */
  counters?: CounterStore;
  /** The gateway's clock (budget windows follow it). */
  now?: () => number;
}

/**
 * Everything an operator reads off a running gateway: `/metrics`, `/readyz`, one span tree
 * and one log line per request. The handler calls it at four points (arrival, decision,
 * upstream call, completion); it never changes what a request does.
 */
export class GatewayObservability {
  readonly metrics: GatewayMetrics;
  readonly health: HealthChecks;
  private readonly logger: GatewayLogger;
  private readonly tracer: Tracer;
  private readonly policiesLoaded: () => boolean;
  private readonly metricsToken: string | undefined;
  private draining = false;
  /** Requests begun and not yet completed (their audit append and settlement included). */
  private active = 0;
  private readonly idleWaiters = new Set<() => void>();
  private readonly budgets: BudgetGauge | undefined;
  private readonly upstreamObserver = (provider: string, route: string, status: number, seconds: number) => this.metrics.upstreamCall(provider, route, status, seconds);

  constructor(input: GatewayObservabilityInput) {
    const options = input.options ?? {};
    this.logger = input.logger;
    this.policiesLoaded = input.policiesLoaded;
    this.metricsToken = options.metricsToken;
    this.metrics = new GatewayMetrics({
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.maxModelLabels !== undefined ? { maxModelLabels: options.maxModelLabels } : {}),
      ...(options.maxTenantLabels !== undefined ? { maxTenantLabels: options.maxTenantLabels } : {}),
      ...(options.processMetrics !== undefined ? { processMetrics: options.processMetrics } : {}),
      ...(input.knownModel ? { knownModel: input.knownModel } : {}),
    });
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('warden-gateway');
    this.health = new HealthChecks(input.health ?? [], input.now ? { now: input.now } : {});
    const registers = [this.metrics.registry];
    const health = this.health;
    new Gauge({
      name: 'warden_component_up',
      help: '1 when a component the gateway depends on (counter store, database) answered its last ping within the timeout.',
      labelNames: ['component'],
      registers,
      collect() {
        for (const [component, state] of health.current()) this.set({ component }, state === 'up' ? 1 : 0);
      },
    });
    this.budgets = input.counters ? new BudgetGauge(this.metrics.registry, input.counters, input.now ?? Date.now) : undefined;
    const approvals = input.approvals;
    if (approvals) {
      new Gauge({
        name: 'warden_approvals_pending',
        help: 'Escalated calls this gateway holds while they wait for a human decision (sum over instances sharing a store for the total).',
        registers,
        collect() {
          this.set(approvals.heldCount);
        },
      });
    }
  }

  /** Answers `GET /metrics` and `GET /readyz`; false for every other request. */
  serve(path: string, req: IncomingMessage, res: ServerResponse, requestId: string): boolean {
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/readyz')) return false;
    const reply = (status: number, contentType: string, body: string) => {
      if (!res.headersSent) res.writeHead(status, { 'x-request-id': requestId, 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' }).end(body);
    };
    const failed = () => reply(500, 'application/json', '{"status":"error"}');
    if (path === '/metrics') {
      if (this.metricsToken !== undefined && !sameSecret(req.headers.authorization, `Bearer ${this.metricsToken}`)) {
        reply(401, 'application/json', '{"error":{"code":"unauthorized","message":"send Authorization: Bearer <metrics token>"}}');
        return true;
      }
      this.metrics.render().then((text) => reply(200, this.metrics.contentType, text), failed);
      return true;
    }
    this.readiness().then(({ status, body }) => reply(status, 'application/json', JSON.stringify(body)), failed);
    return true;
  }

  /** Starts a request's span and clock; `routeId` undefined for paths no route matched. */
  begin(req: IncomingMessage, routeId: string | undefined, path: string): RequestTrace {
    this.metrics.requestStarted();
    this.active++;
    const method = req.method ?? 'GET';
    const requestTrace = new RequestTrace(this.tracer, method, req.headers, this.upstreamObserver);
    if (routeId) requestTrace.routed(routeId, method, path);
    return requestTrace;
  }

  /** After the response closed: metrics, the span's end and the request's log line. */
  complete(requestTrace: RequestTrace, record: CompletionRecord, responseHeaders: Record<string, string>): void {
    const ttft = requestTrace.timeToFirstToken();
    try {
      if (record.decision) this.budgets?.track(record.decision);
      this.metrics.requestEnded(record, { durationSeconds: requestTrace.elapsedSeconds(), ...(ttft !== undefined ? { timeToFirstTokenSeconds: ttft } : {}), responseHeaders });
      requestTrace.end(record);
      logCompletion(this.logger, record, ttft);
    } catch (err) {
      this.logger.error({ requestId: record.requestId, err: (err as Error)?.message }, 'observability hook failed');
    }
    if (--this.active === 0) for (const wake of this.idleWaiters) wake();
  }

  /**
   * Resolves once every request begun has completed, or after `timeoutMs`: a closed
   * connection does not mean its call is done (the audit append and the budget settlement
   * run after the last byte).
   */
  idle(timeoutMs: number): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idleWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.idleWaiters.add(done);
    });
  }

  /** From now on `/readyz` answers 503 so load balancers stop sending new calls. */
  drain(): void {
    this.draining = true;
  }

  private async readiness(): Promise<{ status: number; body: Record<string, unknown> }> {
    if (this.draining) return { status: 503, body: { status: 'draining' } };
    const { ready, checks } = await this.health.readiness();
    let policies: boolean;
    try {
      policies = this.policiesLoaded();
    } catch {
      policies = false;
    }
    const ok = ready && policies;
    return { status: ok ? 200 : 503, body: { status: ok ? 'ready' : 'not_ready', checks: { ...checks, policies: policies ? 'up' : 'down' } } };
  }
}

/** Constant-time comparison (over hashes, so lengths do not leak either). */
function sameSecret(given: string | undefined, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}
