// Money enters the store as integer micro-USD (see counter-store.ts for why integers).

export const MICROS_PER_USD = 1_000_000;

/**
 * USD to micro-USD. Round reservations `up` (a worst case must not shrink) and actuals
 * to `nearest`. The detour through nano-USD absorbs float noise first, so $0.01 is
 * 10_000 and not 10_001.
 */
export function usdToMicros(usd: number, rounding: 'up' | 'nearest'): number {
  if (!Number.isFinite(usd) || usd < 0) throw new RangeError(`usd must be a non-negative number, got ${usd}`);
  const nanos = Math.round(usd * 1e9);
  return rounding === 'up' ? Math.ceil(nanos / 1000) : Math.round(nanos / 1000);
}

export function microsToUsd(micros: number): number {
  return micros / MICROS_PER_USD;
}
