import { describe, expect, it } from 'vitest';
import { microsToUsd, usdToMicros } from './units.js';

describe('usdToMicros', () => {
  it('absorbs float noise before rounding', () => {
    expect(usdToMicros(0.01, 'up')).toBe(10_000);
    expect(usdToMicros(0.1 + 0.2, 'up')).toBe(300_000);
    expect(usdToMicros(1.1, 'nearest')).toBe(1_100_000);
  });

  it('rounds a worst case up and an actual to the nearest micro-dollar', () => {
    // 100 tokens at $0.15 per million: 15 micro-USD; a tenth of that, 1.5.
    expect(usdToMicros(0.0000015, 'up')).toBe(2);
    expect(usdToMicros(0.0000014, 'nearest')).toBe(1);
    expect(usdToMicros(0.0000001, 'up')).toBe(1);
  });

  it('refuses negative and non-finite amounts', () => {
    expect(() => usdToMicros(-0.01, 'up')).toThrow(RangeError);
    expect(() => usdToMicros(Number.NaN, 'up')).toThrow(RangeError);
  });

  it('converts back for display', () => {
    expect(microsToUsd(1_250_000)).toBe(1.25);
  });
});
