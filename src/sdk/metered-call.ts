import { type Reservation, enforce, release, settle } from '../budgets/index.js';
import type { CounterStore } from '../counters/counter-store.js';
import type { PricingPort } from '../engine/context.js';
import type { Decision } from '../engine/types.js';
import { estimateCostUsd, type TokenUsage } from '../pricing/index.js';
import { PolicyViolationError } from './policy-violation-error.js';
import { StreamUsage, replyUsage } from '../providers/response-usage.js';

export interface MeterSettings {
  counters: CounterStore;
  pricing: PricingPort;
  leaseMs?: number;
  now: () => number;
}

interface Sent {
  data: unknown;
  response?: unknown;
  /** The client's request props (the options it sent), for its helpers' `_thenUnwrap`. */
  props?: unknown;
}

type Transform = (data: unknown, props: unknown) => unknown;

/**
 * What the official clients' `create` returns: awaitable, with `withResponse()`,
 * `asResponse()`, and the `_thenUnwrap()` their own helpers (`parse`, `stream`, ...) chain on.
 */
export type MeteredPromise = Promise<unknown> & {
  withResponse(): Promise<{ data: unknown; response?: unknown }>;
  asResponse(): Promise<unknown>;
  _thenUnwrap(transform: Transform): MeteredPromise;
};

function metered(inner: Promise<Sent>): MeteredPromise {
  // Handled here so a caller that only uses withResponse() leaves no unhandled rejection behind.
  inner.catch(() => undefined);
  const data = inner.then((r) => r.data);
  data.catch(() => undefined);
  return Object.assign(data, {
    withResponse: () => inner.then(({ data: value, response }) => ({ data: value, response })),
    asResponse: () => inner.then((r) => r.response),
    _thenUnwrap: (transform: Transform) => metered(inner.then(async (r) => ({ ...r, data: await transform(r.data, r.props) }))),
  });
}

/** A call refused before it was sent, shaped like the client's own promise (its helpers chain on it). */
export function refusedCall(err: unknown): MeteredPromise {
  return metered(Promise.reject(err));
}

/** A call made once `call` resolves (to the client's promise), shaped like the client's own promise. */
export function deferredCall(call: Promise<unknown>): MeteredPromise {
  return metered(call.then(reply));
}

/** The reply of a sent call, with its response and, from an APIPromise, its request props. */
async function reply(pending: unknown): Promise<Sent> {
  const api = pending as { _thenUnwrap?: (t: Transform) => { withResponse(): Promise<{ data: { data: unknown; props: unknown }; response: unknown }> }; withResponse?: () => Promise<Sent> };
  if (typeof api._thenUnwrap === 'function') {
    // Unwrapped once, by the client itself, so the props its helpers read come along.
    const { data, response } = await api._thenUnwrap((value, props) => ({ data: value, props })).withResponse();
    return { data: data.data, response, props: data.props };
  }
  if (typeof api.withResponse === 'function') return api.withResponse();
  return { data: await pending };
}

/**
 * Runs an allowed call that carries counter claims: reserve (refusing with
 * PolicyViolationError), send, then settle to the reply's usage (a stream settles when it
 * ends) or release when the call failed.
 */
export interface MeteredCallOptions {
  /** Drop the usage-only chunk asked for on the caller's behalf. */
  hideUsageChunk?: boolean;
  /** Told the final decision: the engine's, or the refusal the counter store led to. */
  report?: (decision: Decision) => void;
}

export function meteredCall(decision: Decision, provider: string, send: () => unknown, settings: MeterSettings, options: MeteredCallOptions = {}): MeteredPromise {
  return metered(run(decision, provider, send, settings, options));
}

async function run(decision: Decision, provider: string, send: () => unknown, settings: MeterSettings, options: MeteredCallOptions): Promise<Sent> {
  const hideUsageChunk = options.hideUsageChunk === true;
  const now = settings.now();
  const result = await enforce(decision, settings.counters, { now, ...(settings.leaseMs !== undefined ? { leaseMs: settings.leaseMs } : {}) });
  options.report?.(result.ok ? decision : result.decision);
  if (!result.ok) throw new PolicyViolationError(result.decision, decision.estimate.model);
  const reservation = result.reservation;
  let sent: Sent;
  try {
    sent = await reply(send());
  } catch (err) {
    if (reservation) await release(reservation, settings.now()).catch(() => undefined);
    throw err;
  }
  if (!reservation) return sent;
  const model = decision.modifications.model?.to ?? decision.estimate.model;
  const cost = (usage: TokenUsage | undefined): number | null => {
    const price = model ? settings.pricing.price(provider, model) : undefined;
    return usage && price ? estimateCostUsd(price, usage) : null;
  };
  if (isAsyncIterable(sent.data)) {
    return { ...sent, data: meteredStream(sent.data, reservation, cost, settings, hideUsageChunk) };
  }
  const { usage, toolCalls } = replyUsage(sent.data);
  await settle(reservation, { costUsd: cost(usage), tokens: usage ? usage.inputTokens + usage.outputTokens : null, toolCalls }, settings.now()).catch(() => undefined);
  return sent;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> & object {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * The client's stream with its iteration observed: usage and tool calls are read from the
 * events, and the reservation settles when the stream ends (released if it fails or the
 * caller stops early). Every other member (`controller`, `tee`, ...) is the stream's own.
 */
function meteredStream<S extends AsyncIterable<unknown> & object>(stream: S, reservation: Reservation, cost: (u: TokenUsage | undefined) => number | null, settings: MeterSettings, hideUsageChunk: boolean): S {
  const seen = new StreamUsage();
  return new Proxy(stream, {
    get(target, prop) {
      if (prop !== Symbol.asyncIterator) {
        const value: unknown = Reflect.get(target, prop, target);
        // The clients keep private state per instance: their methods must run on the stream itself.
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return async function* observed() {
        let finished = false;
        try {
          for await (const event of target) {
            seen.observe(event);
            // The usage chunk Warden asked for on the caller's behalf (OpenAI chat) is not the caller's.
            if (hideUsageChunk && isUsageOnlyChunk(event)) continue;
            yield event;
          }
          finished = true;
        } finally {
          const usage = seen.usage;
          if (finished) {
            await settle(reservation, { costUsd: cost(usage), tokens: usage ? usage.inputTokens + usage.outputTokens : null, toolCalls: seen.toolCalls }, settings.now()).catch(() => undefined);
          } else {
            await release(reservation, settings.now()).catch(() => undefined);
          }
        }
      };
    },
  });
}

function isUsageOnlyChunk(event: unknown): boolean {
  const e = event as { choices?: unknown; usage?: unknown } | null;
  return typeof e === 'object' && e !== null && Array.isArray(e.choices) && e.choices.length === 0 && e.usage != null;
}
