import { describe, expect, it } from 'vitest';
import { formatUsd } from './cost.js';

/** The formula before the under-half-a-cent shortcut: the shortcut must not change a single output. */
function reference(usd: number): string {
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 1 || Number(usd.toFixed(2)) === usd) return `$${usd.toFixed(2)}`;
  return `$${Number(usd.toPrecision(3))}`;
}

describe('formatUsd', () => {
  it('reads cents where they are exact, three significant digits for fractions of a cent', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.1)).toBe('$0.10');
    expect(formatUsd(2)).toBe('$2.00');
    expect(formatUsd(0.000412)).toBe('$0.000412');
    expect(formatUsd(0.0123456)).toBe('$0.0123');
    expect(formatUsd(0.005)).toBe('$0.005');
  });

  it('gives the same text as the full formula for amounts from a millionth of a cent to $1,000', () => {
    let seed = 11;
    for (let i = 0; i < 20_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      const usd = 10 ** ((seed / 0x80000000) * 11 - 8) * (i % 7 === 0 ? -1 : 1);
      expect(formatUsd(usd)).toBe(reference(usd));
    }
    // Amounts near rounding ties and powers of ten, where arithmetic and toPrecision could part.
    for (let i = 0; i < 100_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      const digits = 100 + (seed % 900);
      const exponent = 3 + (seed % 6);
      const usd = (digits + [0.5, 0.4999999, 0.5000001, 0, 0.9999999, 0.0000001][i % 6]!) / 10 ** exponent;
      expect(formatUsd(usd)).toBe(reference(usd));
    }
    for (const edge of [0.00499999, 0.005, 0.0050001, 0.004999999999999999, 0.01, 0.015, 0.999, 1, 1.005]) expect(formatUsd(edge)).toBe(reference(edge));
  });
});
