import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPricing } from '../engine/engine.js';
import type { PricingPort } from '../engine/context.js';
import type { PolicySet } from '../engine/policy-set.js';
import { decisionRecord } from '../engine/decision-record.js';
import { confirmDecision, needsConfirmation } from '../engine/confirm.js';
import type { Decision, LlmRequest } from '../engine/types.js';
import { estimateCostUsd } from '../pricing/index.js';
import { requestParsers } from '../providers/parse-request.js';
import { InvalidRequestBodyError, type BodyRequest } from '../providers/request-shape.js';
import { ApprovalGate } from '../approvals/approval-gate.js';
import { type Reservation, rulesCountKeyRequests } from '../budgets/index.js';
import { type BudgetDeps, finishCall, reserveCall } from './call-budget.js';
import { RefusedError, modifiedHeader, rateLimitHeaders, refuseUnlessAllowed } from './refusals.js';
import type { CounterStore } from '../counters/counter-store.js';
import { createMemoryCounterStore } from '../counters/memory/memory-store.js';
import { AdminApi, isAdminApprovalsPath } from './admin-api.js';
import { AdminAuth } from './admin-auth.js';
import { type Authenticated, KeyRing, presentedKey } from './auth.js';
import { readRequestContext } from './context-headers.js';
import { GatewayError, decisionMessage, sendWireError } from './errors.js';
import { RequestRateLimiter } from './rate-limiter.js';
import { newRequestId } from '../engine/request-id.js';
import { checkContentType, parseJsonBody, readBody } from './request-body.js';
import { modifiedBody } from '../providers/rewrite-body.js';
import { type OutputStage, createOutputStage } from './output-stage.js';
import { ROUTES, type Route, guessWire } from './routes.js';
import type { CompletionRecord, GatewayLogger, GatewayOptions } from './types.js';
import { GatewayObservability } from '../observability/gateway-observability.js';
import type { RequestTrace } from '../observability/request-trace.js';
import { UpstreamRouter } from './failover.js';
import type { WireFormat } from './wire-formats.js';

const MiB = 1024 * 1024;
const DEFAULTS = { maxBodyBytes: 4 * MiB, upstreamTimeoutMs: 300_000, headersTimeoutMs: 600_000, requestsPerMinute: 100 };
/** Failed authentications (and unknown routes) per client IP and minute; it slows key guessing. */
const UNAUTHENTICATED_PER_MINUTE = 60;
const HEALTH_BODY = '{"status":"ok"}';
const silent: GatewayLogger = { info() {}, warn() {}, error() {} };

/** Per-request state that ends up in the CompletionRecord. */
interface Exchange {
  record: CompletionRecord;
  wire: WireFormat;
  headers: Record<string, string>;
  /** False until the request body was read to its end. */
  bodyRead: boolean;
  /** Span, timings and metrics of this request (src/observability). */
  trace: RequestTrace;
  /** Checks (and restores placeholders in) the response; absent when no rule asks to. */
  output?: OutputStage;
  /** Budget and limit capacity held for this call, settled or released once it ends. */
  reservation?: Reservation;
}

/**
 * The request flow: route → authenticate → rate limit → read and parse the body →
 * decide → apply (refuse, or rewrite the body) → forward and relay → report.
 */
export class GatewayHandler {
  private readonly keys: KeyRing;
  private readonly limiter: RequestRateLimiter | undefined;
  /** Requests per minute per key; with a shared counter store also reserved there with each call's claims. */
  private readonly defaultRpm: number | undefined;
  /** True when the counter store was given (Redis, or one shared by several gateways), not made here. */
  private readonly sharedCounters: boolean;
  private readonly ipLimiter: RequestRateLimiter | undefined;
  private readonly router: UpstreamRouter;
  /** Holds escalated calls for a human; undefined when nobody could approve (no admin token). */
  readonly approvals: ApprovalGate | undefined;
  private readonly admin: AdminApi;
  private readonly pricing: PricingPort;
  private readonly policies: () => PolicySet;
  private readonly logger: GatewayLogger;
  private readonly now: () => number;
  private readonly newRequestId: () => string;
  private readonly limits: typeof DEFAULTS;
  /** `/metrics`, `/readyz`, spans and the per-request log line. */
  readonly observability: GatewayObservability;
  private readonly counters: CounterStore;

  constructor(private readonly options: GatewayOptions) {
    this.keys = new KeyRing(options.keys);
    this.counters = options.counters ?? createMemoryCounterStore();
    const rpm = options.rateLimit === false ? undefined : (options.rateLimit?.requestsPerMinute ?? DEFAULTS.requestsPerMinute);
    this.defaultRpm = rpm;
    this.sharedCounters = options.counters !== undefined;
    this.limiter = rpm === undefined ? undefined : new RequestRateLimiter(rpm);
    this.ipLimiter = options.rateLimit === false ? undefined : new RequestRateLimiter(options.rateLimit?.unauthenticatedPerMinute ?? UNAUTHENTICATED_PER_MINUTE);
    this.now = options.now ?? Date.now;
    this.router = new UpstreamRouter(options.upstreams, options.failover ?? {}, this.now);
    this.logger = options.logger ?? silent;
    const adminAuth = new AdminAuth(options.adminToken);
    this.approvals = adminAuth.configured && options.approvals !== false ? new ApprovalGate({ logger: this.logger, ...options.approvals, ...(options.approvalQueue ? { queue: options.approvalQueue } : {}), now: this.now }) : undefined;
    this.admin = new AdminApi(adminAuth, this.approvals, this.logger);
    options.adminApi?.attachApprovals?.(this.approvals);
    this.pricing = options.pricing ?? createPricing();
    const { policies } = options;
    this.policies = typeof policies === 'function' ? policies : () => policies;
    this.newRequestId = options.requestId ?? newRequestId;
    this.limits = { ...DEFAULTS, ...definedOnly(options.limits ?? {}) };
    const probes = [...(options.counters ? [{ name: 'counters', ping: () => this.counters.ping() }] : []), ...(options.health ?? [])];
    this.observability = new GatewayObservability({ options: options.observability, health: probes, logger: this.logger, policiesLoaded: () => this.policies() !== undefined, approvals: this.approvals, knownModel: (provider, model) => this.pricing.price(provider, model) !== undefined, counters: this.counters, now: this.now });
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    const requestId = this.newRequestId();
    if (this.observability.serve(path, req, res, requestId)) return;
    if (path === '/healthz' && req.method === 'GET') {
      // Probes are never refused; they show (not spend) the caller's unauthenticated window.
      const window = this.ipLimiter?.peek(clientIp(req), this.now());
      res.writeHead(200, { 'x-request-id': requestId, ...(window ? rateLimitHeaders(window) : {}), 'content-type': 'application/json', 'content-length': HEALTH_BODY.length }).end(HEALTH_BODY);
      return;
    }
    res.setHeader('x-request-id', requestId);
    if (isAdminApprovalsPath(path) || (this.options.adminApi && path.startsWith('/api/v1/'))) {
      const headers: Record<string, string> = { 'x-request-id': requestId };
      // With the REST admin API (stored tokens and roles), it answers approvals too; the small
      // built-in one (WARDEN_ADMIN_TOKEN only) serves gateways started without it.
      const api = this.options.adminApi ?? this.admin;
      api.handle({ req, res, path, headers, guard: (failed) => this.guardClient(req, headers, failed) }).catch(() => res.destroy());
      return;
    }
    const route = ROUTES.get(`${req.method} ${path}`);
    const exchange: Exchange = {
      record: { requestId, route: route?.id ?? 'unknown', method: req.method ?? '', path: path.slice(0, 200), status: 0, stream: false, costUsd: null, clientAborted: false, startedAt: this.now(), durationMs: 0 },
      wire: route?.wire ?? guessWire(path, req.headers),
      headers: { 'x-request-id': requestId },
      bodyRead: req.complete,
      trace: this.observability.begin(req, route?.id, path),
    };
    const controller = new AbortController();
    // Report once both the flow has settled (usage and cost known) and the response is closed.
    let pending = 2;
    const settle = () => {
      if (--pending === 0) this.complete(exchange, res);
    };
    res.once('close', () => {
      if (!res.writableFinished) {
        exchange.record.clientAborted = true;
        controller.abort();
      }
      settle();
    });
    const release = this.options.audit ? holdEnd(res) : undefined;
    this.run(req, res, route, exchange, controller.signal)
      .catch((err: unknown) => {
        try {
          this.fail(res, exchange, err);
        } catch {
          res.destroy();
        }
      })
      .then(() => (release ? this.audit(exchange, res, release) : undefined))
      .finally(settle);
  };

  private async run(req: IncomingMessage, res: ServerResponse, route: Route | undefined, exchange: Exchange, signal: AbortSignal): Promise<void> {
    const { record } = exchange;
    this.guardClient(req, exchange.headers, false);
    if (!route) {
      this.guardClient(req, exchange.headers, true);
      throw new GatewayError(404, 'not_found', `no route ${record.method} ${record.path}`);
    }

    const secret = presentedKey(req.headers);
    const found = this.keys.authenticate(secret) ?? (secret && this.options.resolveKey ? await this.options.resolveKey(secret) : undefined);
    if (!found || typeof found === 'string') {
      this.guardClient(req, exchange.headers, true);
      throw new GatewayError(401, 'unauthorized', (typeof found === 'string' && found) || 'invalid or missing Warden API key (send Authorization: Bearer <key> or x-api-key)');
    }
    const auth = found;
    record.tenant = auth.tenant;
    const deferredLimit = this.rateLimit(auth, exchange, route.decides);

    if (!route.decides) {
      req.resume();
      exchange.bodyRead = true;
      await this.send(route, undefined, undefined, req, res, exchange, signal, false);
      return;
    }

    checkContentType(req.headers['content-type']);
    const bytes = await readBody(req, this.limits.maxBodyBytes);
    exchange.bodyRead = true;
    const body = parseJsonBody(bytes);
    const context = readRequestContext(req.headers);
    let request: LlmRequest;
    try {
      // The parser's object is this request's own: it becomes the engine's request without a copy.
      request = (requestParsers[route.id] as (body: unknown) => BodyRequest)(body) as LlmRequest;
    } catch (err) {
      if (err instanceof InvalidRequestBodyError) throw new GatewayError(400, 'invalid_request', err.message, err.param);
      throw err;
    }
    request.requestId = record.requestId;
    request.labels = context.labels;
    if (context.sessionId) request.sessionId = context.sessionId;
    if (context.missionId) request.missionId = context.missionId;
    record.stream = request.stream;
    record.model = request.model;

    // One set for the whole request: a live swap never changes the rules under a call in flight.
    const policies = this.options.policiesFor ? this.options.policiesFor(auth.tenant) : this.policies();
    let decision = policies.decide(request, auth.tenant, this.now());
    // confirm_with_classifier (issue #5): a prompt_injection hit goes to the LLM classifier, and its verdict into a second decide.
    if (this.options.classifier && needsConfirmation(decision)) decision = await confirmDecision(this.options.classifier, request, () => policies.decide(request, auth.tenant, this.now()), signal);
    record.decision = decision;
    exchange.trace.decided(decision, route.upstream, request.model);
    const approved = decision.action === 'escalate' && this.approvals ? await this.awaitApproval(req, route, decision, auth, exchange, signal) : false;
    if (!approved) refuseUnlessAllowed(decision);
    // The default per-key limit yields to a rate_limit rule on this key (one limit, not two).
    if (deferredLimit && !rulesCountKeyRequests(decision, auth.record)) this.rateLimit(auth, exchange, false);
    // After approval: a held call must not keep budget reserved while a human decides.
    // Checked first so a call without budgets or limits costs no extra await. The per-key
    // requests-per-minute limit is a claim too, so it holds across gateways sharing a store.
    const metered =
      decision.claims.length > 0 ||
      auth.record.maxBudgetUsd !== undefined ||
      auth.record.tpmLimit !== undefined ||
      (this.sharedCounters && (auth.record.rpmLimit !== undefined || this.defaultRpm !== undefined));
    const reservation = metered ? await this.reserve(decision, auth, exchange) : undefined;
    if (reservation) exchange.reservation = reservation;

    let wireBody = body as Record<string, unknown>;
    let changed = false;
    // An approved escalation still carries the changes earlier rules asked for.
    if (decision.action === 'modify' || (approved && (decision.modifications.model || decision.modifications.messages))) {
      wireBody = this.rewrite(route, wireBody, request, decision);
      changed = true;
      exchange.headers['x-warden-modified'] = modifiedHeader(decision);
      if (decision.modifications.model) record.model = decision.modifications.model.to;
    }
    let stripInjectedUsage = false;
    if (route.streamUsageOption && request.stream) {
      const options = wireBody.stream_options;
      const asked = typeof options === 'object' && options !== null && (options as Record<string, unknown>).include_usage === true;
      if (!asked) {
        // Usage is how the call is billed: ask for it, and hide it from a caller who did not.
        wireBody = { ...wireBody, stream_options: { ...(typeof options === 'object' && options !== null ? options : {}), include_usage: true } };
        changed = true;
        stripInjectedUsage = true;
      }
    }
    // Output stage: detector rules with apply_to output, and restore_in_response (see output-stage.ts).
    exchange.output = createOutputStage(route, request, decision, policies.outputChecks(decision, auth.tenant));
    if (exchange.output) record.output = exchange.output.record;
    try {
      await this.send(route, { json: wireBody, bytes: changed ? Buffer.from(JSON.stringify(wireBody)) : bytes }, record.model, req, res, exchange, signal, stripInjectedUsage);
    } finally {
      if (exchange.reservation) await this.finishReservation(exchange, exchange.reservation);
    }
  }



  private reserve(decision: Decision, auth: Authenticated, exchange: Exchange): Promise<Reservation | undefined> {
    return reserveCall(decision, auth, exchange.record, exchange.headers, this.budgetDeps());
  }

  private finishReservation(exchange: Exchange, reservation: Reservation): Promise<void> {
    return finishCall(exchange.record, reservation, this.budgetDeps());
  }

  private budgetDeps(): BudgetDeps {
    return {
      counters: this.counters,
      now: this.now(),
      logger: this.logger,
      ...(this.options.leaseMs !== undefined ? { leaseMs: this.options.leaseMs } : {}),
      ...(this.sharedCounters ? { requests: this.defaultRpm !== undefined ? { defaultRpm: this.defaultRpm } : {} } : {}),
    };
  }

  /**
   * Holds the request until a human decides (seed 004). True when approved; a rejection or
   * timeout throws the 403 in the caller's wire format; a client that left cancels it.
   */
  private async awaitApproval(req: IncomingMessage, route: Route, decision: Decision, auth: Authenticated, exchange: Exchange, signal: AbortSignal): Promise<boolean> {
    const gate = this.approvals as ApprovalGate;
    // Nothing can be sent before the decision (the status is unknown), so keep the idle TCP connection alive instead.
    req.socket.setKeepAlive(true, 30_000);
    req.socket.setTimeout(0);
    const started = this.now();
    let approval;
    try {
      approval = await gate.hold({ decision, tenant: auth.tenant, route: route.id, model: exchange.record.model, signal });
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      // The approval could not be recorded (its store is unreachable): transient, and the
      // call was not sent; the SDKs retry a 503 on their own.
      this.logger.warn({ requestId: exchange.record.requestId, err: (err as Error).message }, 'approval could not be recorded');
      throw new GatewayError(503, 'store_unavailable', 'Warden could not record the approval request; try again', null, { 'retry-after': '1' });
    }
    exchange.record.approval = { id: approval.id, status: approval.status, waitedMs: this.now() - started, ...(approval.decidedBy ? { decidedBy: approval.decidedBy } : {}) };
    exchange.headers['x-warden-approval-id'] = approval.id;
    if (approval.status === 'approved') return true;
    if (approval.status === 'rejected') {
      const why = approval.resolutionReason ? `: ${approval.resolutionReason}` : '';
      throw new RefusedError(decision, new GatewayError(403, 'approval_rejected', `the request was rejected by an approver (approval ${approval.id})${why}`));
    }
    if (approval.status === 'expired') {
      throw new RefusedError(decision, new GatewayError(403, 'approval_timeout', `no approver decided within the approval timeout (approval ${approval.id}); ${decisionMessage(decision)}`));
    }
    // Cancelled: either the client left (nothing more to send) or the gateway is shutting down.
    throw new GatewayError(503, 'approval_cancelled', `the gateway shut down while the request waited for approval ${approval.id}; send it again`);
  }

  /**
   * The per-IP window of requests that failed to authenticate. `failed: false` only checks
   * (an exhausted address is refused before its key is even looked at); `true` spends one.
   */
  private guardClient(req: IncomingMessage, headers: Record<string, string>, failed: boolean): void {
    if (!this.ipLimiter) return;
    const ip = clientIp(req);
    const result = failed ? this.ipLimiter.hit(ip, this.now()) : this.ipLimiter.peek(ip, this.now());
    Object.assign(headers, rateLimitHeaders(result));
    if (!result.allowed) {
      throw new GatewayError(429, 'rate_limited', `too many unauthenticated requests from this address (limit ${result.limit} per minute)`, null, { 'retry-after': String(result.resetSeconds) });
    }
  }

  /**
   * The in-memory per-key window. For a call that will be decided, the default limit is
   * only checked here (`defer`) and spent after the decision, unless a rule limits the key;
   * a key's own `rpm_limit` is spent at once. True when the spend was deferred.
   */
  private rateLimit(auth: Authenticated, exchange: Exchange, defer: boolean): boolean {
    if (!this.limiter) return false;
    const deferred = defer && auth.record.rpmLimit === undefined;
    const result = deferred ? this.limiter.peek(auth.record.id, this.now()) : this.limiter.hit(auth.record.id, this.now(), auth.record.rpmLimit);
    exchange.headers['ratelimit-limit'] = String(result.limit);
    exchange.headers['ratelimit-remaining'] = String(result.remaining);
    exchange.headers['ratelimit-reset'] = String(result.resetSeconds);
    if (!result.allowed) {
      throw new GatewayError(429, 'rate_limited', `rate limit of ${result.limit} requests per minute reached for this key`, null, { 'retry-after': String(result.resetSeconds) });
    }
    return deferred;
  }

  /** The body to forward for a modify decision; fails closed when a redaction did not take. */
  private rewrite(route: Route, body: Record<string, unknown>, request: LlmRequest, decision: Decision): Record<string, unknown> {
    const rewritten = modifiedBody(requestParsers[route.id] as (body: unknown) => BodyRequest, body, request.messages, decision.modifications);
    if (!rewritten) {
      throw new GatewayError(403, 'policy_violation', 'the request matched a redaction rule, but this request shape cannot be redacted safely, so it was not sent');
    }
    return rewritten;
  }

  private async send(route: Route, body: { json: Record<string, unknown>; bytes: Buffer } | undefined, model: string | undefined, req: IncomingMessage, res: ServerResponse, exchange: Exchange, signal: AbortSignal, stripInjectedUsage: boolean): Promise<void> {
    const { record } = exchange;
    record.attempts = [];
    const sent = await this.router.send(
      {
        route,
        model,
        // A fallback to another model rewrites only `model`; both wire formats keep it at the top level.
        bodyFor: (target) => (!body ? undefined : target === model ? body.bytes : Buffer.from(JSON.stringify({ ...body.json, model: target }))),
        json: body?.json,
        attempts: record.attempts,
        forward: {
          route,
          method: route.method,
          clientHeaders: req.headers,
          responseHeaders: exchange.headers,
          stripInjectedUsage,
          signal,
          headersTimeoutMs: this.limits.headersTimeoutMs,
          bodyTimeoutMs: this.limits.upstreamTimeoutMs,
          requestId: record.requestId,
          trace: exchange.trace,
          ...(exchange.output ? { output: exchange.output } : {}),
        },
      },
      res,
    );
    const { result } = sent;
    record.upstream = sent.upstream;
    if (sent.model !== undefined) record.model = sent.model;
    record.upstreamStatus = result.status;
    if (result.toolCalls) record.toolCalls = result.toolCalls;
    record.status = result.status;
    if (!route.billable) {
      record.costUsd = 0;
      return;
    }
    if (result.usage) {
      record.usage = result.usage;
      // Priced as the provider that served it (a cross-provider fallback bills at the other's rates).
      const price = record.model ? this.pricing.price(sent.provider, record.model) : undefined;
      record.costUsd = price ? estimateCostUsd(price, result.usage) : null;
    }
  }

  private fail(res: ServerResponse, exchange: Exchange, err: unknown): void {
    if (exchange.record.clientAborted) return;
    let error: GatewayError;
    let warden: object | undefined;
    if (err instanceof RefusedError) {
      error = err.error;
      // The engine's record, so the gateway and the SDK report identical decisions.
      warden = decisionRecord(err.decision);
    } else if (err instanceof GatewayError) {
      error = err;
    } else {
      this.logger.error({ requestId: exchange.record.requestId, err: (err as Error)?.message }, 'gateway request failed');
      error = new GatewayError(500, 'internal_error', 'internal error in the Warden gateway');
    }
    exchange.record.errorCode = error.code;
    for (const [name, value] of Object.entries(exchange.headers)) res.setHeader(name, value);
    sendWireError(res, exchange.wire, exchange.record.requestId, error, warden, !exchange.bodyRead);
  }

  /** Appends a decided request's audit record, then lets the held response end; a failed append cuts it instead. */
  private async audit(exchange: Exchange, res: ServerResponse, release: (deliver: boolean) => void): Promise<void> {
    const { record } = exchange;
    if (!record.decision) return release(true);
    if (!record.status) record.status = res.statusCode;
    record.durationMs = this.now() - record.startedAt;
    try {
      await (this.options.audit as NonNullable<GatewayOptions['audit']>)(record);
      release(true);
    } catch (err) {
      this.logger.error({ requestId: record.requestId, err: (err as Error)?.message }, 'audit append failed; the response was cut so no delivered response lacks its record');
      release(false);
    }
  }

  private complete(exchange: Exchange, res: ServerResponse): void {
    const { record } = exchange;
    if (!record.status) record.status = res.statusCode;
    record.durationMs = this.now() - record.startedAt;
    this.observability.complete(exchange.trace, record, exchange.headers);
    if (!this.options.onComplete) return;
    try {
      this.options.onComplete(record);
    } catch (err) {
      this.logger.error({ requestId: record.requestId, err: (err as Error)?.message }, 'onComplete hook failed');
    }
  }

  async close(): Promise<void> {
    await this.approvals?.close();
    await this.router.close();
  }
}





/**
 * Holds `res.end` until released, so the audit append sits between the last body bytes and
 * the end of the response (for streams: before the terminating chunk).
 */
function holdEnd(res: ServerResponse): (deliver: boolean) => void {
  const end = res.end;
  let held: unknown[] | undefined;
  res.end = function heldEnd(this: ServerResponse, ...args: unknown[]) {
    held = args;
    return this;
  } as ServerResponse['end'];
  return (deliver) => {
    res.end = end;
    if (!held) return;
    if (deliver) (end as (...args: unknown[]) => ServerResponse).apply(res, held);
    else res.destroy();
  };
}


/** The socket's address: a forwarded-for header is the client's to forge, so it is not trusted. */
function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
