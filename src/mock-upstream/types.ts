import type { IncomingHttpHeaders } from 'node:http';

/** One request the mock upstream received, as the tests assert on it. */
export interface RecordedRequest {
  method: string;
  /** Path with query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON; `undefined` when empty. */
  body: unknown;
}

/** Test knobs; change them on the handle between requests. */
export interface MockBehavior {
  /** Wait this long before answering (headers included). */
  delayMs?: number;
  /** Answer every request with this status and a provider-style error body. */
  failStatus?: number;
  /** Wait this long between SSE events (a slow stream). */
  chunkDelayMs?: number;
  /**
   * The assistant's text for chat, responses and messages calls (JSON and SSE, usage
   * counted from it) instead of the echo; a function of the request body may return
   * `undefined` to echo. Lets a test play an LLM classifier (`INJECTION`, `BENIGN`).
   */
  replyText?: string | ((body: Record<string, unknown>) => string | undefined);
  /**
   * Chat and messages calls answer with this one tool call instead of text (OpenAI
   * `tool_calls` / Anthropic `tool_use`, JSON and SSE), as an agent's model would.
   */
  toolCall?: MockToolCall;
}

/** A tool call the mock makes: the function's name and its arguments. */
export interface MockToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export interface MockReply {
  json(status: number, body: unknown): void;
  sse(events: readonly string[]): void;
}
