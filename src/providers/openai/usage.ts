import type { TokenUsage } from '../../pricing/index.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * A `usage` object of any OpenAI API: Chat Completions and Embeddings (`prompt_tokens`,
 * `completion_tokens`) or Responses (`input_tokens`, `output_tokens`). Cached tokens are
 * part of the input count in both.
 */
export function openAiUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const input = count(usage.prompt_tokens) ?? count(usage.input_tokens);
  if (input === undefined) return undefined;
  const output = count(usage.completion_tokens) ?? count(usage.output_tokens) ?? 0;
  const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : isRecord(usage.input_tokens_details) ? usage.input_tokens_details : undefined;
  const cached = count(details?.cached_tokens);
  return cached ? { inputTokens: input, cachedInputTokens: cached, outputTokens: output } : { inputTokens: input, outputTokens: output };
}

/**
 * Usage carried by one streamed event: the final Chat Completions chunk (`choices: []`,
 * `usage` set) or the Responses `response.completed` event.
 */
export function openAiStreamUsage(data: unknown): TokenUsage | undefined {
  if (!isRecord(data)) return undefined;
  if (isRecord(data.usage)) return openAiUsage(data.usage);
  if (isRecord(data.response) && (data.type === 'response.completed' || data.type === 'response.incomplete' || data.type === 'response.failed')) {
    return openAiUsage(data.response.usage);
  }
  return undefined;
}

/** The usage-only chunk that `stream_options.include_usage` adds to a chat stream. */
export function isUsageOnlyChunk(data: unknown): boolean {
  return isRecord(data) && data.object === 'chat.completion.chunk' && Array.isArray(data.choices) && data.choices.length === 0 && isRecord(data.usage);
}
