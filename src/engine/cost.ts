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
  // Three significant digits without the trailing zeros: what Number(usd.toPrecision(3))
  // prints, in one number-to-string conversion instead of three.
  const digits = usd.toPrecision(3);
  if (digits.includes('e')) return `$${Number(digits)}`;
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === 48) end--;
  if (digits.charCodeAt(end - 1) === 46) end--;
  return `$${digits.slice(0, end)}`;
}
