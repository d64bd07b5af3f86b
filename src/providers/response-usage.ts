import type { TokenUsage } from '../pricing/index.js';

// What a provider reply says it used, read from the official clients' parsed objects
// (OpenAI chat / responses / embeddings, Anthropic messages), streamed or not.

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** A `usage` object of either wire format as TokenUsage; undefined when it holds no counts. */
export function tokenUsage(raw: unknown): TokenUsage | undefined {
  const u = obj(raw);
  if (!u) return undefined;
  const openaiInput = num(u.prompt_tokens);
  if (openaiInput !== undefined) {
    const cached = num(obj(u.prompt_tokens_details)?.cached_tokens);
    return { inputTokens: openaiInput, outputTokens: num(u.completion_tokens) ?? 0, ...(cached ? { cachedInputTokens: cached } : {}) };
  }
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  // Anthropic counts cache reads and writes apart from input_tokens; OpenAI Responses includes them.
  const cacheRead = num(u.cache_read_input_tokens) ?? 0;
  const cacheWrite = num(u.cache_creation_input_tokens) ?? 0;
  const responsesCached = num(obj(u.input_tokens_details)?.cached_tokens);
  const cached = cacheRead || responsesCached || 0;
  return { inputTokens: (input ?? 0) + cacheRead + cacheWrite, outputTokens: output ?? 0, ...(cached ? { cachedInputTokens: cached } : {}) };
}

/** Usage and tool calls of a whole (non-streamed) reply. */
export function replyUsage(data: unknown): { usage: TokenUsage | undefined; toolCalls: number } {
  const d = obj(data);
  if (!d) return { usage: undefined, toolCalls: 0 };
  let toolCalls = 0;
  if (Array.isArray(d.choices)) for (const c of d.choices) toolCalls += (obj(obj(c)?.message)?.tool_calls as unknown[] | undefined)?.length ?? 0;
  if (Array.isArray(d.content)) for (const block of d.content) if (obj(block)?.type === 'tool_use') toolCalls++;
  if (Array.isArray(d.output)) for (const item of d.output) if (obj(item)?.type === 'function_call') toolCalls++;
  return { usage: tokenUsage(d.usage), toolCalls };
}

/** Accumulates usage and tool calls over stream events of either wire format. */
export class StreamUsage {
  private input: number | undefined;
  private output: number | undefined;
  private cached: number | undefined;
  toolCalls = 0;

  observe(event: unknown): void {
    const e = obj(event);
    if (!e) return;
    // OpenAI chat: the final chunk (stream_options.include_usage); tool calls start with an id.
    if (Array.isArray(e.choices)) {
      for (const c of e.choices) for (const t of (obj(obj(c)?.delta)?.tool_calls as unknown[] | undefined) ?? []) if (obj(t)?.id) this.toolCalls++;
    }
    switch (e.type) {
      case 'message_start':
        this.take(tokenUsage(obj(e.message)?.usage));
        return;
      case 'message_delta': {
        const out = num(obj(e.usage)?.output_tokens);
        if (out !== undefined) this.output = out;
        return;
      }
      case 'content_block_start':
        if (obj(e.content_block)?.type === 'tool_use') this.toolCalls++;
        return;
      case 'response.completed': {
        const r = obj(e.response);
        this.take(tokenUsage(r?.usage));
        if (Array.isArray(r?.output)) for (const item of r.output) if (obj(item)?.type === 'function_call') this.toolCalls++;
        return;
      }
      default:
        if (e.usage) this.take(tokenUsage(e.usage));
    }
  }

  private take(u: TokenUsage | undefined): void {
    if (!u) return;
    this.input = u.inputTokens;
    this.output = u.outputTokens;
    this.cached = u.cachedInputTokens;
  }

  get usage(): TokenUsage | undefined {
    if (this.input === undefined && this.output === undefined) return undefined;
    return { inputTokens: this.input ?? 0, outputTokens: this.output ?? 0, ...(this.cached ? { cachedInputTokens: this.cached } : {}) };
  }
}
