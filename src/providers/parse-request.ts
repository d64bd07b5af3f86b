import { parseMessages } from './anthropic/parse-request.js';
import { parseChatCompletions, parseCompletions, parseEmbeddings, parseResponses } from './openai/parse-request.js';
import { type BodyRequest, isRecord } from './request-shape.js';

/** Body parsers by route; the gateway and `policy explain` share them. */
export const requestParsers: Readonly<Record<string, (body: unknown) => BodyRequest>> = {
  'openai.chat': parseChatCompletions,
  'openai.responses': parseResponses,
  'openai.embeddings': parseEmbeddings,
  'openai.completions': parseCompletions,
  'anthropic.messages': (body) => parseMessages(body),
  'anthropic.count_tokens': (body) => parseMessages(body, 'count_tokens'),
};

const ANTHROPIC_ONLY_BLOCKS = new Set(['tool_use', 'tool_result', 'document']);

/**
 * Guesses the route of a saved request body (for `warden policy explain` without --format):
 * `input` means Responses, `prompt` the legacy completions; a top-level `system` or
 * Anthropic-only content blocks mean Messages; anything else is Chat Completions, which
 * reads the other shapes alike.
 */
export function detectRoute(body: unknown): string {
  if (!isRecord(body)) return 'openai.chat';
  if ('input' in body && !('messages' in body)) return 'openai.responses';
  if ('prompt' in body && !('messages' in body)) return 'openai.completions';
  if ('system' in body) return 'anthropic.messages';
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const anthropicBlocks = messages.some(
    (m) => isRecord(m) && Array.isArray(m.content) && m.content.some((b) => isRecord(b) && ANTHROPIC_ONLY_BLOCKS.has(String(b.type))),
  );
  return anthropicBlocks ? 'anthropic.messages' : 'openai.chat';
}
