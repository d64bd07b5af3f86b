// Cross-provider translation for failover: a call that arrived in one wire format (OpenAI
// Chat Completions or Anthropic Messages) served by the other provider, and its answer
// (JSON, SSE stream or error) turned back into the client's format. Pure functions over
// parsed JSON; no I/O.
//
// The direction modules import TranslationError and the helpers below from this file while
// this file imports them: the cycle is safe because neither side touches the other's
// exports while its module is being evaluated, only inside functions called later.

import { anthropicToOpenAi } from './anthropic-to-openai.js';
import { DEFAULT_MAX_TOKENS, openAiToAnthropic } from './openai-to-anthropic.js';

/** A wire format Warden speaks: OpenAI Chat Completions or Anthropic Messages. */
export type WireFormat = 'openai' | 'anthropic';

/** One direction of translation: the client speaks one format, the upstream the other. */
export interface Translation {
  /** The upstream's format: `anthropic` means `POST /v1/messages`, `openai` means `POST /chat/completions`. */
  readonly target: WireFormat;
  /**
   * Client request body -> upstream request body, with `model` set to the target model.
   * Throws {@link TranslationError} on input the upstream cannot carry.
   */
  request(body: Record<string, unknown>, model: string): Record<string, unknown>;
  /**
   * Upstream non-stream success body -> client-format body. Ids are kept and `model` is the
   * upstream's own. Throws {@link TranslationError} on an answer the client format cannot carry.
   */
  json(body: Record<string, unknown>): Record<string, unknown>;
  /** Upstream error body (parsed JSON, or anything) and HTTP status -> client-format error body. */
  error(status: number, body: unknown): Record<string, unknown>;
  /** A fresh stateful translator for one streamed response. */
  stream(): StreamTranslator;
}

/** Translates one upstream SSE stream into the client's SSE format, event by event. */
export interface StreamTranslator {
  /** One upstream event (its `event:` name, if any, and joined `data:`) -> complete client events as raw SSE text ('' for none). */
  event(name: string | undefined, data: string): string;
  /** Called once the upstream stream has ended: whatever client events are still owed ('' for none). */
  end(): string;
}

/**
 * Input that cannot be carried across formats. `message` starts with `path` (a JSON path into
 * the body, such as `messages[2].content[0]`) and says what was refused.
 */
export class TranslationError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'TranslationError';
  }
}

/** The translation for a client in format `from` served by an upstream in format `to`; `undefined` when they are the same. */
export function translation(from: WireFormat, to: WireFormat): Translation | undefined {
  if (from === to) return undefined;
  return from === 'openai' ? openAiToAnthropic : anthropicToOpenAi;
}

export { anthropicToOpenAi, DEFAULT_MAX_TOKENS, openAiToAnthropic };

// ---- Helpers shared by both directions (not part of the public API) ----

/** A plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A {@link TranslationError} whose message is `path: what`. */
export function refuse(path: string, what: string): TranslationError {
  return new TranslationError(`${path}: ${what}`, path);
}

/** `Array.isArray` typed `unknown[]` rather than `any[]`. */
export function isArray(value: unknown): value is unknown[] {
  return Array.isArray(value);
}

/** A non-negative finite number, else 0. */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** Parses SSE data as a JSON object; `undefined` for anything else. */
export function parseEventData(data: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The `message` an upstream error body carries, whatever its shape. */
export function upstreamErrorMessage(status: number, body: unknown): string {
  if (typeof body === 'string' && body.trim()) return body;
  if (isRecord(body)) {
    const error = body.error;
    if (isRecord(error) && typeof error.message === 'string') return error.message;
    if (typeof error === 'string') return error;
    if (typeof body.message === 'string') return body.message;
  }
  return `upstream returned HTTP ${status}`;
}
