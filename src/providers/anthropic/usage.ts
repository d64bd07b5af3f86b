import type { TokenUsage } from '../../pricing/index.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/**
 * An Anthropic `usage` object. Anthropic's `input_tokens` excludes cache reads and cache
 * writes; Warden counts all input (the OpenAI convention), cache reads as cached input.
 */
export function anthropicUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const cacheRead = count(usage.cache_read_input_tokens);
  const input = count(usage.input_tokens) + cacheRead + count(usage.cache_creation_input_tokens);
  const output = count(usage.output_tokens);
  return cacheRead ? { inputTokens: input, cachedInputTokens: cacheRead, outputTokens: output } : { inputTokens: input, outputTokens: output };
}

/**
 * Folds one streamed event into the running usage: `message_start` carries the input
 * tokens, `message_delta` the cumulative output tokens (and, on newer APIs, input again).
 */
export function anthropicStreamUsage(data: unknown, current: TokenUsage | undefined): TokenUsage | undefined {
  if (!isRecord(data)) return current;
  if (data.type === 'message_start' && isRecord(data.message)) return anthropicUsage(data.message.usage) ?? current;
  if (data.type === 'message_delta' && isRecord(data.usage)) {
    const delta = data.usage;
    const base = current ?? { inputTokens: 0, outputTokens: 0 };
    const next: TokenUsage = { ...base, outputTokens: count(delta.output_tokens) || base.outputTokens };
    if (typeof delta.input_tokens === 'number') {
      const update = anthropicUsage(delta);
      if (update && update.inputTokens > 0) {
        next.inputTokens = update.inputTokens;
        if (update.cachedInputTokens) next.cachedInputTokens = update.cachedInputTokens;
      }
    }
    return next;
  }
  return current;
}
