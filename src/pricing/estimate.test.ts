import { describe, expect, it } from 'vitest';
import type { ModelPrice } from './catalog.js';
import { estimateCostUsd } from './estimate.js';

const price: ModelPrice = { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075, source: 'catalog' };

describe('estimateCostUsd', () => {
  it('prices input and output per million tokens', () => {
    expect(estimateCostUsd(price, { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBeCloseTo(0.75, 12);
    expect(estimateCostUsd(price, { inputTokens: 1000, outputTokens: 500 })).toBeCloseTo(0.00045, 12);
  });

  it('bills cached input at the cached rate', () => {
    expect(estimateCostUsd(price, { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 0 })).toBeCloseTo(
      0.6 * 0.15 + 0.4 * 0.075,
      12,
    );
  });

  it('bills cached input at the input rate when no cached rate is known', () => {
    const noCache: ModelPrice = { inputPerMTok: 2, outputPerMTok: 8, source: 'override' };
    expect(estimateCostUsd(noCache, { inputTokens: 1_000_000, cachedInputTokens: 500_000, outputTokens: 0 })).toBeCloseTo(2, 12);
  });

  it('never counts more cached tokens than input tokens', () => {
    expect(estimateCostUsd(price, { inputTokens: 100, cachedInputTokens: 1000, outputTokens: 0 })).toBeCloseTo(
      (100 * 0.075) / 1_000_000,
      15,
    );
  });

  it('is zero for zero usage', () => {
    expect(estimateCostUsd(price, { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });
});
