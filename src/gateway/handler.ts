import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPricing } from '../engine/engine.js';
import type { PricingPort } from '../engine/context.js';
import type { PolicySet } from '../engine/policy-set.js';
import { decisionRecord } from '../engine/decision-record.js';
import { statusOf } from '../engine/errors.js';
import type { Decision, LlmRequest } from '../engine/types.js';
import { estimateCostUsd } from '../pricing/index.js';
import { requestParsers } from '../providers/parse-request.js';
import { InvalidRequestBodyError, type BodyRequest } from '../providers/request-shape.js';
import { type Authenticated, KeyRing, presentedKey } from './auth.js';
import { readRequestContext } from './context-headers.js';
import { GatewayError, decisionMessage, sendWireError } from './errors.js';
import { RequestRateLimiter } from './rate-limiter.js';
import { checkContentType, parseJsonBody, readBody } from './request-body.js';
import { modifiedBody } from '../providers/rewrite-body.js';
import { ROUTES, type Route, guessWire } from './routes.js';
import type { CompletionRecord, GatewayLogger, GatewayOptions } from './types.js';
import { Upstream, forward } from './upstream.js';
import type { WireFormat } from './wire-formats.js';

const MiB = 1024 * 1024;
const DEFAULTS = { maxBodyBytes: 4 * MiB, upstreamTimeoutMs: 300_000, headersTimeoutMs: 600_000, requestsPerMinute: 100 };
const HEALTH_BODY = '{"status":"ok"}';
const silent: GatewayLogger = { info() {}, warn() {}, error() {} };

/** Per-request state that ends up in the CompletionRecord. */
interface Exchange {
  record: CompletionRecord;
  wire: WireFormat;
  headers: Record<string, string>;
  /** False until the request body was read to its end. */
  bodyRead: boolean;
}

/**
 * The request flow: route → authenticate → rate limit → read and parse the body →
 * decide → apply (refuse, or rewrite the body) → forward and relay → report.
 */
export class GatewayHandler {
  private readonly keys: KeyRing;
  private readonly limiter: RequestRateLimiter | undefined;
  private readonly upstreams: { openai?: Upstream; anthropic?: Upstream } = {};
  private readonly pricing: PricingPort;
  private readonly policies: () => PolicySet;
  private readonly logger: GatewayLogger;
  private readonly now: () => number;
  private readonly newRequestId: () => string;
  private readonly limits: typeof DEFAULTS;

  constructor(private readonly options: GatewayOptions) {
    this.keys = new KeyRing(options.keys);
    const rpm = options.rateLimit === false ? undefined : (options.rateLimit?.requestsPerMinute ?? DEFAULTS.requestsPerMinute);
    this.limiter = rpm === undefined ? undefined : new RequestRateLimiter(rpm);
    if (options.upstreams.openai) this.upstreams.openai = new Upstream(options.upstreams.openai);
    if (options.upstreams.anthropic) this.upstreams.anthropic = new Upstream(options.upstreams.anthropic);
    this.pricing = options.pricing ?? createPricing();
    const { policies } = options;
    this.policies = typeof policies === 'function' ? policies : () => policies;
    this.logger = options.logger ?? silent;
    this.now = options.now ?? Date.now;
    this.newRequestId = options.requestId ?? (() => `req_${randomBytes(12).toString('hex')}`);
    this.limits = { ...DEFAULTS, ...definedOnly(options.limits ?? {}) };
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    if (path === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': HEALTH_BODY.length }).end(HEALTH_BODY);
      return;
    }
    const requestId = this.newRequestId();
    res.setHeader('x-request-id', requestId);
    const route = ROUTES.get(`${req.method} ${path}`);
    const exchange: Exchange = {
      record: { requestId, route: route?.id ?? 'unknown', method: req.method ?? '', path: path.slice(0, 200), status: 0, stream: false, costUsd: null, clientAborted: false, startedAt: this.now(), durationMs: 0 },
      wire: route?.wire ?? guessWire(path, req.headers),
      headers: { 'x-request-id': requestId },
      bodyRead: req.complete,
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
    this.run(req, res, route, exchange, controller.signal)
      .catch((err: unknown) => {
        try {
          this.fail(res, exchange, err);
        } catch {
          res.destroy();
        }
      })
      .finally(settle);
  };

  private async run(req: IncomingMessage, res: ServerResponse, route: Route | undefined, exchange: Exchange, signal: AbortSignal): Promise<void> {
    const { record } = exchange;
    if (!route) throw new GatewayError(404, 'not_found', `no route ${record.method} ${record.path}`);

    const auth = this.keys.authenticate(presentedKey(req.headers));
    if (!auth) throw new GatewayError(401, 'unauthorized', 'invalid or missing Warden API key (send Authorization: Bearer <key> or x-api-key)');
    record.tenant = auth.tenant;
    this.rateLimit(auth, exchange);

    const upstream = this.upstreams[route.upstream];
    if (!route.decides) {
      req.resume();
      exchange.bodyRead = true;
      if (!upstream) throw new GatewayError(502, 'upstream_error', `no ${route.upstream} upstream is configured`);
      await this.send(route, upstream, undefined, req, res, exchange, signal, false);
      return;
    }

    checkContentType(req.headers['content-type']);
    const bytes = await readBody(req, this.limits.maxBodyBytes);
    exchange.bodyRead = true;
    const body = parseJsonBody(bytes);
    const context = readRequestContext(req.headers);
    let parsed: BodyRequest;
    try {
      parsed = (requestParsers[route.id] as (body: unknown) => BodyRequest)(body);
    } catch (err) {
      if (err instanceof InvalidRequestBodyError) throw new GatewayError(400, 'invalid_request', err.message, err.param);
      throw err;
    }
    const request: LlmRequest = { ...parsed, requestId: record.requestId, labels: context.labels };
    if (context.sessionId) request.sessionId = context.sessionId;
    if (context.missionId) request.missionId = context.missionId;
    record.stream = request.stream;
    record.model = request.model;

    const decision = this.policies().decide(request, auth.tenant, this.now());
    record.decision = decision;
    refuseUnlessAllowed(decision);

    let wireBody = body as Record<string, unknown>;
    let changed = false;
    if (decision.action === 'modify') {
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
    if (!upstream) throw new GatewayError(502, 'upstream_error', `no ${route.upstream} upstream is configured`);
    await this.send(route, upstream, changed ? Buffer.from(JSON.stringify(wireBody)) : bytes, req, res, exchange, signal, stripInjectedUsage);
  }

  private rateLimit(auth: Authenticated, exchange: Exchange): void {
    if (!this.limiter) return;
    const result = this.limiter.hit(auth.record.id, this.now(), auth.record.rpmLimit);
    exchange.headers['ratelimit-limit'] = String(result.limit);
    exchange.headers['ratelimit-remaining'] = String(result.remaining);
    exchange.headers['ratelimit-reset'] = String(result.resetSeconds);
    if (!result.allowed) {
      throw new GatewayError(429, 'rate_limited', `rate limit of ${result.limit} requests per minute reached for this key`, null, { 'retry-after': String(result.resetSeconds) });
    }
  }

  /** The body to forward for a modify decision; fails closed when a redaction did not take. */
  private rewrite(route: Route, body: Record<string, unknown>, request: LlmRequest, decision: Decision): Record<string, unknown> {
    const rewritten = modifiedBody(requestParsers[route.id] as (body: unknown) => BodyRequest, body, request.messages, decision.modifications);
    if (!rewritten) {
      throw new GatewayError(403, 'policy_violation', 'the request matched a redaction rule, but this request shape cannot be redacted safely, so it was not sent');
    }
    return rewritten;
  }

  private async send(route: Route, upstream: Upstream, body: Buffer | undefined, req: IncomingMessage, res: ServerResponse, exchange: Exchange, signal: AbortSignal, stripInjectedUsage: boolean): Promise<void> {
    const { record } = exchange;
    const result = await forward(
      {
        route,
        upstream,
        method: route.method,
        body,
        clientHeaders: req.headers,
        responseHeaders: exchange.headers,
        stripInjectedUsage,
        signal,
        headersTimeoutMs: this.limits.headersTimeoutMs,
        bodyTimeoutMs: this.limits.upstreamTimeoutMs,
        requestId: record.requestId,
      },
      res,
    );
    record.upstreamStatus = result.status;
    record.status = result.status;
    if (!route.billable) {
      record.costUsd = 0;
      return;
    }
    if (result.usage) {
      record.usage = result.usage;
      const price = record.model ? this.pricing.price(route.upstream, record.model) : undefined;
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

  private complete(exchange: Exchange, res: ServerResponse): void {
    const { record } = exchange;
    if (!record.status) record.status = res.statusCode;
    record.durationMs = this.now() - record.startedAt;
    if (!this.options.onComplete) return;
    try {
      this.options.onComplete(record);
    } catch (err) {
      this.logger.error({ requestId: record.requestId, err: (err as Error)?.message }, 'onComplete hook failed');
    }
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.upstreams).map((u) => u.pool.destroy()));
  }
}

/** A decision that refuses the call, carried to the error writer with its record. */
class RefusedError extends Error {
  constructor(
    readonly decision: Decision,
    readonly error: GatewayError,
  ) {
    super(error.message);
  }
}

function refuseUnlessAllowed(decision: Decision): void {
  if (decision.action === 'allow' || decision.action === 'modify') return;
  const code = decision.code ?? (decision.action === 'throttle' ? 'rate_limited' : 'policy_violation');
  const status = decision.action === 'throttle' ? 429 : decision.action === 'escalate' ? 403 : statusOf(code);
  const headers: Record<string, string> = {};
  if (status === 429) headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterSeconds ?? 1)));
  throw new RefusedError(decision, new GatewayError(status, code, decisionMessage(decision), null, headers));
}

/** `model=gpt-4o-mini, redactions=2`: what Warden changed, never the values it removed. */
function modifiedHeader(decision: Decision): string {
  const parts: string[] = [];
  const { model, redactions } = decision.modifications;
  if (model) parts.push(`model=${model.to}`);
  const count = redactions.reduce((n, r) => n + r.count, 0);
  if (count) parts.push(`redactions=${count}`);
  return parts.join(', ') || 'true';
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
