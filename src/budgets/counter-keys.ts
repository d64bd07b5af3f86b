import type { Claim, CounterWindow } from '../counters/counter-store.js';
import { usdToMicros } from '../counters/units.js';
import type { CounterClaim } from '../engine/types.js';

const DAY_MS = 86_400_000;

/** `2026-11-22`: the UTC day an epoch-ms instant falls in. */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** The counter window and the key suffix of a claim at `now`. */
export function windowOf(claim: CounterClaim, now: number): { window: CounterWindow; suffix: string } {
  const d = new Date(now);
  switch (claim.window) {
    case 'day':
      return { window: { kind: 'fixed', resetAt: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) }, suffix: `day:${utcDay(now)}` };
    case 'month':
      return { window: { kind: 'fixed', resetAt: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) }, suffix: `month:${utcDay(now).slice(0, 7)}` };
    case 'sliding': {
      const seconds = claim.windowSeconds ?? 60;
      return { window: { kind: 'sliding', ms: seconds * 1000 }, suffix: `${seconds}s` };
    }
    default:
      return { window: { kind: 'none' }, suffix: 'total' };
  }
}

const FAMILY: Record<CounterClaim['metric'], string> = { usd: 'budget', tokens: 'budget', requests: 'budget', concurrent: 'conc', dedup: 'dedup', tool_calls: 'tools' };

/**
 * The store claim for an engine claim, e.g. `budget:usd:team:acme/search:day:2026-11-22`.
 * Money in micro-USD: the worst case rounded up, the cap to the nearest.
 */
export function storeClaim(claim: CounterClaim, now: number): Claim {
  const { window, suffix } = windowOf(claim, now);
  const family = claim.window === 'sliding' && FAMILY[claim.metric] === 'budget' ? 'rate' : FAMILY[claim.metric];
  return {
    key: `${family}:${claim.metric}:${claim.scope}:${suffix}`,
    amount: toUnits(claim.metric, claim.amount, 'up'),
    limit: toUnits(claim.metric, claim.limit, 'nearest'),
    window,
  };
}

export function toUnits(metric: CounterClaim['metric'], amount: number, rounding: 'up' | 'nearest'): number {
  if (metric === 'usd') return usdToMicros(amount, rounding);
  return rounding === 'up' ? Math.ceil(amount) : Math.round(amount);
}

/** The per-day spend keys the forecast reads, newest first: today and the `days - 1` before. */
export function spendHistoryKeys(scope: string, days: number, now: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < days; i++) keys.push(spendKey(scope, now - i * DAY_MS));
  return keys;
}

export function spendKey(scope: string, now: number): string {
  return `spend:usd:${scope}:day:${utcDay(now)}`;
}
