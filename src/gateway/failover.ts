import type { ServerResponse } from 'node:http';
import { type CircuitBreakerOptions, CircuitBreaker } from './circuit-breaker.js';
import { GatewayError } from './errors.js';
import { type Translation, TranslationError, translation } from '../providers/translate/index.js';
import { ROUTES, type Route } from './routes.js';
import type { UpstreamConfig } from './types.js';
import { type ForwardInput, type ForwardResult, Upstream, forward } from './upstream.js';

/** An upstream besides the two defaults, named in `routing`; it speaks one wire format. */
export interface NamedUpstreamConfig extends UpstreamConfig {
  format: 'openai' | 'anthropic';
}

/**
 * One fallback: another upstream and/or another model. An upstream of the other wire format
 * (OpenAI for an Anthropic call, or the reverse) serves chat calls through translation, and
 * must name its model.
 */
export interface FallbackTarget {
  /** Upstream name: `openai`, `anthropic` or a key of `failover.upstreams`; the route's own when absent. */
  upstream?: string;
  model?: string;
}

export interface RetryOptions {
  /** Most upstream calls for one request, fallbacks included; default 4. */
  maxAttempts?: number;
  /** Extra tries on the same upstream before moving to the next; default 1. */
  retriesPerUpstream?: number;
  /** No new attempt starts once this much time has passed since the first; default 30 s. */
  maxTotalMs?: number;
  /** First backoff, doubled per retry, when the upstream gave no `Retry-After`; default 200 ms. */
  baseDelayMs?: number;
  /** Longest wait before a retry; a longer `Retry-After` moves on to the next upstream instead; default 5 s. */
  maxDelayMs?: number;
}

export interface FailoverOptions {
  upstreams?: Record<string, NamedUpstreamConfig>;
  /** Ordered fallbacks per model (the model as sent, after any downgrade). */
  routing?: Record<string, readonly FallbackTarget[]>;
  retry?: RetryOptions;
  /** Per-upstream circuit breaker settings; `false` turns the breakers off. */
  breaker?: CircuitBreakerOptions | false;
  /** Waits between retries; injected in tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** One call to an upstream, as the CompletionRecord and `x-warden-attempts` report it. */
export interface UpstreamAttempt {
  upstream: string;
  model: string | null;
  /** The upstream's status; null when it was not reached (connection error, open circuit). */
  status: number | null;
  /** `upstream_error`, `upstream_timeout`, `circuit_open`, `untranslatable`, or `http_<status>` for a retried reply. */
  error?: string;
  /** Set when the call was translated to the other provider's wire format: `openai->anthropic`, `anthropic->openai`. */
  translated?: string;
  durationMs: number;
}

export interface RouterRequest {
  route: Route;
  /** The model the engine allowed (after any downgrade); undefined for calls without one. */
  model: string | undefined;
  /** The body to send for a model (the original bytes when unchanged). */
  bodyFor(model: string | undefined): Buffer | undefined;
  /** The same body, parsed (what a translation to the other provider starts from). */
  json: Record<string, unknown> | undefined;
  /** Everything forward() needs besides the upstream and body. */
  forward: Omit<ForwardInput, 'upstream' | 'body' | 'retryable'>;
  /** Filled as attempts happen, so a failure still reports them. */
  attempts: UpstreamAttempt[];
}

export interface RouterResult {
  result: ForwardResult;
  upstream: string;
  model: string | undefined;
  /** The provider that served the call (its wire format), for pricing. */
  provider: 'openai' | 'anthropic';
}

interface Target {
  name: string;
  upstream: Upstream;
  model: string | undefined;
  breaker: CircuitBreaker | undefined;
  format: 'openai' | 'anthropic';
  /** Set for an upstream of the other wire format: the route it serves and how to translate. */
  translation?: { translation: Translation; route: Route };
}

/** The routes that can be served by the other provider, and the route each is served by. */
const TRANSLATABLE: ReadonlyMap<string, Route> = new Map([
  ['openai.chat', ROUTES.get('POST /v1/messages') as Route],
  ['anthropic.messages', ROUTES.get('POST /v1/chat/completions') as Route],
]);

const RETRY_DEFAULTS: Required<RetryOptions> = { maxAttempts: 4, retriesPerUpstream: 1, maxTotalMs: 30_000, baseDelayMs: 200, maxDelayMs: 5_000 };

function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Picks the upstream for each call: the route's own first, then the model's fallbacks,
 * skipping upstreams whose circuit is open, retrying 429/5xx/connection failures within
 * the attempt and time bounds, and only while nothing has been sent to the client.
 * A chat call can fall back to the other provider: its request is translated to that
 * wire format and the answer translated back (src/providers/translate).
 */
export class UpstreamRouter {
  private readonly upstreams = new Map<string, { upstream: Upstream; format: 'openai' | 'anthropic' }>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly routing = new Map<string, readonly FallbackTarget[]>();
  private readonly retry: Required<RetryOptions>;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(
    defaults: { openai?: UpstreamConfig; anthropic?: UpstreamConfig },
    options: FailoverOptions,
    private readonly now: () => number,
  ) {
    if (defaults.openai) this.upstreams.set('openai', { upstream: new Upstream(defaults.openai), format: 'openai' });
    if (defaults.anthropic) this.upstreams.set('anthropic', { upstream: new Upstream(defaults.anthropic), format: 'anthropic' });
    for (const [name, config] of Object.entries(options.upstreams ?? {})) {
      if (this.upstreams.has(name)) throw new Error(`failover.upstreams.${name}: the name is taken by a default upstream`);
      this.upstreams.set(name, { upstream: new Upstream(config), format: config.format });
    }
    for (const [model, targets] of Object.entries(options.routing ?? {})) {
      targets.forEach((target, i) => {
        if (target.upstream === undefined) return;
        const found = this.upstreams.get(target.upstream);
        if (!found) throw new Error(`routing.${model}[${i}]: no upstream named "${target.upstream}"`);
      });
      this.routing.set(model, targets);
    }
    if (options.breaker !== false) {
      for (const name of this.upstreams.keys()) this.breakers.set(name, new CircuitBreaker(options.breaker ?? {}));
    }
    this.retry = { ...RETRY_DEFAULTS, ...Object.fromEntries(Object.entries(options.retry ?? {}).filter(([, v]) => v !== undefined)) };
    this.sleep = options.sleep ?? sleep;
  }

  /** The breaker state of each upstream, for health output and tests. */
  breakerStates(): Record<string, string> {
    const now = this.now();
    return Object.fromEntries([...this.breakers].map(([name, breaker]) => [name, breaker.state(now)]));
  }

  async send(request: RouterRequest, res: ServerResponse): Promise<RouterResult> {
    const targets = this.plan(request.route, request.model);
    if (!targets.length) throw new GatewayError(502, 'upstream_error', `no ${request.route.upstream} upstream is configured`);
    const { attempts } = request;
    const headers = request.forward.responseHeaders;
    const signal = request.forward.signal;
    const started = this.now();
    let lastFailure: { status: number | null; retryAfter?: string; error?: GatewayError } | undefined;
    // Calls actually made; skipped (open-circuit) targets are listed in `attempts` but not counted.
    let calls = 0;

    for (let t = 0; t < targets.length; t++) {
      const target = targets[t] as Target;
      for (let tryNo = 0; tryNo <= this.retry.retriesPerUpstream; tryNo++) {
        if (calls >= this.retry.maxAttempts || (calls && this.now() - started >= this.retry.maxTotalMs)) return this.exhausted(lastFailure, targets);
        if (target.breaker && !target.breaker.tryAcquire(this.now())) {
          attempts.push({ ...attemptOf(target), status: null, error: 'circuit_open', durationMs: 0 });
          break;
        }
        let body: Buffer | undefined;
        if (target.translation && request.json) {
          try {
            body = Buffer.from(JSON.stringify(target.translation.translation.request(request.json, target.model as string)));
          } catch (err) {
            if (!(err instanceof TranslationError)) throw err;
            // This request cannot be carried by the other provider (e.g. audio parts): skip it.
            target.breaker?.release();
            attempts.push({ ...attemptOf(target), status: null, error: 'untranslatable', durationMs: 0 });
            break;
          }
        } else {
          body = request.bodyFor(target.model);
        }
        calls++;
        const last = this.isLast(targets, t, tryNo, calls, started);
        headers['x-warden-upstream'] = target.name;
        headers['x-warden-attempts'] = String(calls);
        const t0 = this.now();
        let result: ForwardResult;
        try {
          result = await forward({ ...request.forward, upstream: target.upstream, body, ...(target.translation ? { translation: target.translation } : {}), ...(last ? {} : { retryable: retryableStatus }) }, res);
        } catch (err) {
          if (signal.aborted || !(err instanceof GatewayError)) {
            target.breaker?.release();
            throw err;
          }
          target.breaker?.failure(this.now());
          attempts.push({ ...attemptOf(target), status: null, error: err.code, durationMs: this.now() - t0 });
          if (last) throw err;
          lastFailure = { status: null, error: err };
          if (!(await this.backoff(tryNo, undefined, started, signal))) break;
          continue;
        }
        const failed = retryableStatus(result.status);
        if (failed) target.breaker?.failure(this.now());
        else target.breaker?.success(this.now());
        const attempt: UpstreamAttempt = { ...attemptOf(target), status: result.status, durationMs: this.now() - t0 };
        if (result.discarded) {
          attempt.error = `http_${result.status}`;
          attempts.push(attempt);
          lastFailure = { status: result.status, ...(result.retryAfter !== undefined ? { retryAfter: result.retryAfter } : {}) };
          if (!(await this.backoff(tryNo, result.retryAfter, started, signal))) break;
          continue;
        }
        attempts.push(attempt);
        return { result, upstream: target.name, model: target.model, provider: target.format };
      }
    }
    return this.exhausted(lastFailure, targets);
  }

  async close(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((u) => u.upstream.pool.destroy()));
  }

  private plan(route: Route, model: string | undefined): Target[] {
    const targets: Target[] = [];
    const add = (name: string, targetModel: string | undefined) => {
      const found = this.upstreams.get(name);
      if (!found) return;
      if (targets.some((t) => t.name === name && t.model === targetModel)) return;
      const target: Target = { name, upstream: found.upstream, model: targetModel, breaker: this.breakers.get(name), format: found.format };
      if (found.format !== route.wire.name) {
        // Another provider: only chat calls translate, and only to a model named for it.
        const served = TRANSLATABLE.get(route.id);
        const translated = translation(route.wire.name, found.format);
        if (!served || !translated || targetModel === undefined || targetModel === model) return;
        target.translation = { translation: translated, route: served };
      }
      targets.push(target);
    };
    add(route.upstream, model);
    const fallbacks = route.decides && model !== undefined ? this.routing.get(model) : undefined;
    for (const target of fallbacks ?? []) add(target.upstream ?? route.upstream, target.model ?? model);
    return targets;
  }

  /** True when no attempt can follow this one, so its answer is relayed whatever it is. */
  private isLast(targets: Target[], t: number, tryNo: number, attemptNo: number, started: number): boolean {
    if (attemptNo >= this.retry.maxAttempts) return true;
    if (this.now() - started >= this.retry.maxTotalMs) return true;
    if (tryNo < this.retry.retriesPerUpstream) return false;
    const now = this.now();
    return !targets.slice(t + 1).some((next) => !next.breaker || next.breaker.state(now) !== 'open');
  }

  /** Waits before the next try; false when the wait does not fit (move on to the next upstream). */
  private async backoff(tryNo: number, retryAfter: string | undefined, started: number, signal: AbortSignal): Promise<boolean> {
    if (tryNo >= this.retry.retriesPerUpstream) return false;
    const asked = retryAfterMs(retryAfter, this.now());
    const delay = asked ?? Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** tryNo);
    if (delay > this.retry.maxDelayMs || this.now() - started + delay >= this.retry.maxTotalMs) return false;
    if (delay > 0) await this.sleep(delay, signal);
    return true;
  }

  /** Every attempt failed (or every circuit is open) and nothing was relayed: Warden answers. */
  private exhausted(last: { status: number | null; retryAfter?: string; error?: GatewayError } | undefined, targets: Target[]): never {
    if (!last) {
      const now = this.now();
      const wait = Math.min(...targets.map((t) => t.breaker?.retryInMs(now) ?? 0));
      throw new GatewayError(503, 'upstream_unavailable', 'every upstream for this call is failing (circuit open); try again later', null, { 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) });
    }
    if (last.status === 429) {
      throw new GatewayError(429, 'upstream_rate_limited', 'every upstream for this call is rate limited', null, { 'retry-after': last.retryAfter ?? '1' });
    }
    if (last.error) throw last.error;
    throw new GatewayError(502, 'upstream_error', `every upstream for this call failed (last status ${last.status ?? 'none'})`);
  }
}

function attemptOf(target: Target): Pick<UpstreamAttempt, 'upstream' | 'model' | 'translated'> {
  return {
    upstream: target.name,
    model: target.model ?? null,
    ...(target.translation ? { translated: `${target.format === 'openai' ? 'anthropic' : 'openai'}->${target.format}` } : {}),
  };
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
