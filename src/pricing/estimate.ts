import type { ModelPrice } from './catalog.js';

export interface TokenUsage {
  /** All input tokens, cached ones included (the OpenAI `prompt_tokens` convention). */
  inputTokens: number;
  /** The part of `inputTokens` read from the provider's prompt cache. */
  cachedInputTokens?: number;
  outputTokens: number;
}

const PER_MTOK = 1_000_000;

/** Cost in USD. Cached input is billed at the cached rate where known, else at the input rate. */
export function estimateCostUsd(price: ModelPrice, usage: TokenUsage): number {
  const cached = Math.min(Math.max(usage.cachedInputTokens ?? 0, 0), usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  const cachedRate = price.cachedInputPerMTok ?? price.inputPerMTok;
  return (uncached * price.inputPerMTok + cached * cachedRate + usage.outputTokens * price.outputPerMTok) / PER_MTOK;
}
