import type { EvalContext } from './rule-kind.js';
import type { RuleResult } from './types.js';

/**
 * The estimated worst-case cost, or the outcome a cost rule must return when the model
 * has no known price: a block (`unknown_model_price`) or a recorded skip, as configured.
 * Never a silent zero.
 */
export function costOrUnknown(ctx: EvalContext, unknownPrice: 'block' | 'allow' = ctx.unknownPrice): number | RuleResult {
  const { costUsd, model } = ctx.estimate();
  if (costUsd !== null) return costUsd;
  const reason = model ? `no known price for model "${model}"` : 'no model given, so no price';
  if (unknownPrice === 'block') return { outcome: 'block', code: 'unknown_model_price', reason: `${reason}; add a pricing override or set unknown_price: allow` };
  return { outcome: 'skip', reason: `${reason}; cost unknown, allowed by configuration` };
}

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  const size = Math.abs(usd);
  // Cents where that is exact or the amount is large; three significant digits for fractions
  // of a cent. Under half a cent the cents would read 0.00, never exact: skip that conversion
  // (most per-call costs are that small, and this runs on every call).
  if (size >= 1 || (size >= 0.005 && Number(usd.toFixed(2)) === usd)) return `$${usd.toFixed(2)}`;
  const fast = usd > 0 ? threeDigits(usd) : undefined;
  if (fast !== undefined) return fast;
  // Three significant digits without the trailing zeros: what Number(usd.toPrecision(3))
  // prints, in one number-to-string conversion instead of three.
  const digits = usd.toPrecision(3);
  if (digits.includes('e')) return `$${Number(digits)}`;
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) end--;
  if (digits.charCodeAt(end - 1) === 46) end--;
  return `$${digits.slice(0, end)}`;
}

/** Below each of these, one more zero after the decimal point. */
const DECADES = [0.1, 0.01, 0.001, 0.0001, 0.00001];
const SCALES = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
const PREFIXES = ['$0.', '$0.0', '$0.00', '$0.000', '$0.0000', '$0.00000'];

/**
 * `formatUsd` of an amount in [0.000001, 1) without converting a fraction to text (a call
 * into the runtime, ~1 µs when its code is cold): the three significant digits as an
 * integer, rounded in arithmetic. Undefined near a rounding tie or a power of ten, where
 * the product's last bit could decide, and when it rounds up to a power of ten: the caller
 * then asks toPrecision.
 */
function threeDigits(usd: number): string | undefined {
  if (usd < 0.000001) return undefined;
  let zeros = 0;
  while (zeros < 5 && usd < (DECADES[zeros] as number)) zeros++;
  const scaled = usd * (SCALES[zeros] as number);
  const whole = Math.floor(scaled);
  const fraction = scaled - whole;
  if (Math.abs(fraction - 0.5) < 1e-6 || scaled < 100.000001 || scaled > 999.999) return undefined;
  let n = fraction > 0.5 ? whole + 1 : whole;
  // Rounded up to the next power of ten (0.09996 → 0.1): rare, let toPrecision write it.
  if (n === 1000) return undefined;
  while (n % 10 === 0) n /= 10;
  return (PREFIXES[zeros] as string) + n;
}
