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
}

/** What the official clients' `create` returns: awaitable, with `withResponse()`. */
export type MeteredPromise = Promise<unknown> & { withResponse(): Promise<Sent>; asResponse(): Promise<unknown> };

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
  const inner = run(decision, provider, send, settings, options);
  // Handled here so a caller that only uses withResponse() leaves no unhandled rejection behind.
  inner.catch(() => undefined);
  const data = inner.then((r) => r.data);
  data.catch(() => undefined);
  return Object.assign(data, {
    withResponse: () => inner,
    asResponse: () => inner.then((r) => r.response),
  });
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
    const pending = send() as { withResponse?: () => Promise<Sent> } | Promise<unknown>;
    sent = typeof (pending as { withResponse?: unknown }).withResponse === 'function' ? await (pending as { withResponse: () => Promise<Sent> }).withResponse() : { data: await pending };
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
