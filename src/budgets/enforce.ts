// The one place where a decision's counter claims meet the counter store. The engine stays
// pure (rules compute claims); the gateway and the SDK both call this module, so budgets
// and limits hold across both when they share one store (Redis).
import type { Claim, CounterStore } from '../counters/counter-store.js';
import { CounterStoreUnavailableError } from '../counters/counter-store-unavailable-error.js';
import { usdToMicros } from '../counters/units.js';
import type { CounterClaim, Decision } from '../engine/types.js';
import { spendHistoryKeys, spendKey, storeClaim, toUnits, windowOf } from './counter-keys.js';
import { refusalOf, unavailableRefusal } from './refusal.js';

/** Longer than the longest call (the gateway's upstream timeouts), so real spend is always settled. */
export const DEFAULT_LEASE_MS = 15 * 60_000;

export interface EnforceOptions {
  /** Epoch ms: the injected clock. */
  now: number;
  leaseMs?: number;
  /** Unique per call; default the decision's request id. */
  id?: string;
}

/** The numbers behind RateLimit-Limit / -Remaining / -Reset (the tightest requests-per-window claim). */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

/** Held capacity of one call, to settle or release exactly once. */
export interface Reservation {
  readonly id: string;
  readonly store: CounterStore;
  readonly at: number;
  /** Per store claim, in reservation order. */
  readonly metrics: readonly CounterClaim['metric'][];
  readonly amounts: readonly number[];
  /** Scopes whose daily spend a forecast rule reads; settled spend is added there. */
  readonly forecastScopes: readonly string[];
  /** True once settled or released. */
  done: boolean;
}

export type EnforceResult =
  | {
      ok: true;
      /** null when nothing was reserved (no claims, or the store was down and every rule fails open). */
      reservation: Reservation | null;
      rateLimit?: RateLimitInfo;
      /** Why the call goes out unmetered (store unreachable, rules fail open). */
      unmetered?: string;
    }
  | {
      ok: false;
      /** A throttle or block naming the rule, with `retryAfterSeconds` when waiting helps. */
      decision: Decision;
      /** 429 (limits, budgets, duplicates), 403 (loop breaker) or 503 (store unreachable). */
      status: number;
    };

/** What the call actually used; null where the provider did not say (the worst case then stands). */
export interface ActualUsage {
  costUsd: number | null;
  tokens: number | null;
  toolCalls?: number;
}

interface Planned {
  claims: Claim[];
  sources: CounterClaim[];
  forecasts: CounterClaim[];
}

/** Groups claims by store key: two rules capping one counter share it, the tighter cap wins. */
function plan(claims: readonly CounterClaim[], now: number): Planned {
  const out: Planned = { claims: [], sources: [], forecasts: [] };
  const byKey = new Map<string, number>();
  for (const claim of claims) {
    if (claim.kind === 'forecast') {
      out.forecasts.push(claim);
      continue;
    }
    const storeForm = storeClaim(claim, now);
    const at = byKey.get(storeForm.key);
    if (at === undefined) {
      byKey.set(storeForm.key, out.claims.length);
      out.claims.push(storeForm);
      out.sources.push(claim);
      continue;
    }
    const held = out.claims[at] as Claim;
    const amount = Math.max(held.amount, storeForm.amount);
    if (storeForm.limit < held.limit) {
      out.claims[at] = { ...storeForm, amount };
      out.sources[at] = claim;
    } else {
      out.claims[at] = { ...held, amount };
    }
  }
  return out;
}

/**
 * Reserves every claim of an allowed decision in ONE atomic store call (plus one read when
 * a forecast rule applies). Refuses with a decision naming the rule whose cap would pass.
 */
export async function enforce(decision: Decision, store: CounterStore, options: EnforceOptions): Promise<EnforceResult> {
  if (decision.claims.length === 0) return { ok: true, reservation: null };
  const { now } = options;
  const planned = plan(decision.claims, now);
  try {
    for (const forecast of planned.forecasts) {
      const refused = await checkForecast(decision, forecast, store, now);
      if (refused) return refused;
    }
    const id = options.id ?? decision.requestId;
    const forecastScopes = [...new Set(planned.forecasts.map((f) => f.scope))];
    if (planned.claims.length === 0) {
      return { ok: true, reservation: { id, store, at: now, metrics: [], amounts: [], forecastScopes, done: false } };
    }
    const result = await store.reserve({ id, claims: planned.claims, leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS, now });
    if (!result.ok) {
      const source = planned.sources[result.failed] as CounterClaim;
      const claim = planned.claims[result.failed] as Claim;
      return refusalOf(decision, source, { used: result.used, limit: result.limit, amount: claim.amount, retryAfterMs: result.retryAfterMs });
    }
    const reservation: Reservation = {
      id,
      store,
      at: now,
      metrics: planned.sources.map((s) => s.metric),
      amounts: planned.claims.map((c) => c.amount),
      forecastScopes,
      done: false,
    };
    let rateLimit: RateLimitInfo | undefined;
    planned.sources.forEach((source, i) => {
      if (source.metric !== 'requests' || source.window !== 'sliding') return;
      const remaining = result.remaining[i] as number;
      if (rateLimit && rateLimit.remaining <= remaining) return;
      const resetAt = result.resetAt[i];
      const resetSeconds = resetAt == null ? (source.windowSeconds ?? 60) : Math.max(0, Math.ceil((resetAt - now) / 1000));
      rateLimit = { limit: (planned.claims[i] as Claim).limit, remaining, resetSeconds };
    });
    return { ok: true, reservation, ...(rateLimit ? { rateLimit } : {}) };
  } catch (err) {
    if (!CounterStoreUnavailableError.isInstance(err)) throw err;
    const closed = decision.claims.find((c) => c.failOpen !== true);
    if (closed) return unavailableRefusal(decision, closed, err);
    return { ok: true, reservation: null, unmetered: `counter store unreachable; every applicable rule fails open (${err.message})` };
  }
}

/** Projects 30 days from the daily average of the lookback (today included, this call added). */
async function checkForecast(decision: Decision, forecast: CounterClaim, store: CounterStore, now: number): Promise<EnforceResult | undefined> {
  const days = forecast.lookbackDays ?? 7;
  const history = await store.usage(spendHistoryKeys(forecast.scope, days, now), now);
  const spent = history.reduce((a, b) => a + b, 0) + usdToMicros(forecast.amount, 'up');
  const projected = Math.ceil((spent / days) * 30);
  const limit = usdToMicros(forecast.limit, 'nearest');
  if (projected <= limit) return undefined;
  const { window } = windowOf({ ...forecast, window: 'day' }, now);
  const untilMidnight = window.kind === 'fixed' ? window.resetAt - now : null;
  return refusalOf(decision, forecast, { used: spent, limit, amount: projected, retryAfterMs: untilMidnight, forecastDays: days });
}

/** Replaces the reservation with what the call used; records daily spend for forecasts. */
export async function settle(reservation: Reservation, usage: ActualUsage, now: number): Promise<void> {
  if (reservation.done) return;
  reservation.done = true;
  const { metrics, amounts } = reservation;
  if (metrics.length) {
    const actual = metrics.map((metric, i) => actualOf(metric, amounts[i] as number, usage));
    await reservation.store.settle(reservation.id, actual, now);
  }
  if (usage.costUsd !== null && usage.costUsd > 0) {
    const micros = usdToMicros(usage.costUsd, 'nearest');
    // Dated at the reservation, like the budget counters.
    for (const scope of reservation.forecastScopes) await reservation.store.add(spendKey(scope, reservation.at), micros, { kind: 'none' }, now);
  }
}

/** Gives everything back: the call failed before costing anything, or the client left. */
export async function release(reservation: Reservation, now: number): Promise<void> {
  if (reservation.done) return;
  reservation.done = true;
  if (reservation.metrics.length) await reservation.store.release(reservation.id, now);
}

function actualOf(metric: CounterClaim['metric'], reserved: number, usage: ActualUsage): number {
  switch (metric) {
    case 'usd':
      return usage.costUsd === null ? reserved : toUnits('usd', usage.costUsd, 'nearest');
    case 'tokens':
      return usage.tokens === null ? reserved : Math.max(0, Math.round(usage.tokens));
    case 'concurrent':
      return 0;
    case 'tool_calls':
      return Math.max(0, Math.round(usage.toolCalls ?? 0));
    default:
      return reserved;
  }
}
