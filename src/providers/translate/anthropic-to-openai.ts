// The client speaks Anthropic Messages; the upstream is OpenAI Chat Completions.

import { anthropicErrorType } from '../anthropic/errors.js';
import { isArray, isRecord, parseEventData, refuse, tokenCount, upstreamErrorMessage } from './index.js';
import type { StreamTranslator, Translation } from './index.js';

type Json = Record<string, unknown>;

/** OpenAI accepts at most this many stop sequences. */
const MAX_STOP_SEQUENCES = 4;

// ---- Request: Anthropic messages body -> OpenAI chat body ----

function describeBlock(block: unknown): string {
  return isRecord(block) && typeof block.type === 'string' ? block.type : 'unknown';
}

/** Text of a string or an array of text blocks (`system`, `tool_result` content). */
function textOfBlocks(content: unknown, path: string, joiner: string): string {
  if (typeof content === 'string') return content;
  if (content === undefined || content === null) return '';
  if (!isArray(content)) throw refuse(path, 'content must be a string or an array of blocks');
  return content
    .map((block: unknown, i) => {
      if (isRecord(block) && block.type === 'text' && typeof block.text === 'string') return block.text;
      throw refuse(`${path}[${i}]`, `${describeBlock(block)} blocks cannot be sent to OpenAI here; only text`);
    })
    .join(joiner);
}

function imagePart(block: Json, path: string): Json {
  const source = isRecord(block.source) ? block.source : {};
  if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  throw refuse(`${path}.source`, `${describeBlock(source)} image sources cannot be sent to OpenAI`);
}

function toolMessage(block: Json, path: string): Json {
  if (typeof block.tool_use_id !== 'string') throw refuse(`${path}.tool_use_id`, 'tool_result without a tool_use_id');
  return { role: 'tool', tool_call_id: block.tool_use_id, content: textOfBlocks(block.content, `${path}.content`, '\n') };
}

/** A user message's text and image parts as one OpenAI user message (a plain string when it is one text). */
function userMessage(parts: Json[]): Json {
  const only = parts.length === 1 ? parts[0] : undefined;
  return { role: 'user', content: only?.type === 'text' ? only.text : parts };
}

/** A user turn: text and images become a user message; each `tool_result` becomes a `tool` message, in order. */
function userMessages(content: unknown, path: string): Json[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  if (!isArray(content)) throw refuse(path, 'content must be a string or an array of blocks');
  const out: Json[] = [];
  let parts: Json[] = [];
  const flush = () => {
    if (parts.length) out.push(userMessage(parts));
    parts = [];
  };
  for (const [i, block] of content.entries()) {
    const at = `${path}[${i}]`;
    if (!isRecord(block)) throw refuse(at, 'content blocks must be objects');
    if (block.type === 'text' && typeof block.text === 'string') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image') parts.push(imagePart(block, at));
    else if (block.type === 'tool_result') {
      flush();
      out.push(toolMessage(block, at));
    } else throw refuse(at, `${describeBlock(block)} blocks cannot be sent to OpenAI`);
  }
  flush();
  return out;
}

function toolCall(block: Json, path: string): Json {
  if (typeof block.id !== 'string' || typeof block.name !== 'string') throw refuse(path, 'tool_use without an id or name');
  return { id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}

/** An assistant turn: text joined, `tool_use` as `tool_calls`; thinking blocks are the model's own and are dropped. */
function assistantMessages(content: unknown, path: string): Json[] {
  if (typeof content === 'string') return content ? [{ role: 'assistant', content }] : [];
  if (!isArray(content)) throw refuse(path, 'content must be a string or an array of blocks');
  const texts: string[] = [];
  const calls: Json[] = [];
  for (const [i, block] of content.entries()) {
    const at = `${path}[${i}]`;
    if (!isRecord(block)) throw refuse(at, 'content blocks must be objects');
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use') calls.push(toolCall(block, at));
    else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') throw refuse(at, `${describeBlock(block)} blocks cannot be sent to OpenAI`);
  }
  const text = texts.join('');
  if (!text && !calls.length) return [];
  return [{ role: 'assistant', content: text || null, ...(calls.length ? { tool_calls: calls } : {}) }];
}

function convertMessages(body: Json): Json[] {
  if (!isArray(body.messages)) throw refuse('messages', 'messages must be an array');
  const out: Json[] = [];
  const system = textOfBlocks(body.system, 'system', '\n\n');
  if (system) out.push({ role: 'system', content: system });
  for (const [i, message] of body.messages.entries()) {
    const path = `messages[${i}]`;
    if (!isRecord(message)) throw refuse(path, 'messages must be objects');
    if (message.role === 'user') out.push(...userMessages(message.content, `${path}.content`));
    else if (message.role === 'assistant') out.push(...assistantMessages(message.content, `${path}.content`));
    else if (message.role === 'system') out.push({ role: 'system', content: textOfBlocks(message.content, `${path}.content`, '\n\n') });
    else throw refuse(`${path}.role`, `${String(message.role)} messages cannot be sent to OpenAI`);
  }
  return out;
}

function convertTool(tool: unknown, path: string): Json {
  if (!isRecord(tool)) throw refuse(path, 'tools must be objects');
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') throw refuse(path, `${String(tool.type)} server tools cannot be sent to OpenAI`);
  if (typeof tool.name !== 'string') throw refuse(`${path}.name`, 'tool without a name');
  const parameters = isRecord(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} };
  return { type: 'function', function: { name: tool.name, ...(typeof tool.description === 'string' ? { description: tool.description } : {}), parameters } };
}

function convertToolChoice(choice: Json): unknown {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      if (typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
      throw refuse('tool_choice.name', 'tool_choice of type tool without a name');
    default:
      throw refuse('tool_choice', `${describeBlock(choice)} tool_choice cannot be sent to OpenAI`);
  }
}

/** `tools` and `tool_choice` (with `disable_parallel_tool_use`) -> OpenAI's `tools`, `tool_choice`, `parallel_tool_calls`. */
function convertTools(body: Json): Json {
  if (body.tools === undefined || body.tools === null) return {};
  if (!isArray(body.tools)) throw refuse('tools', 'tools must be an array');
  if (!body.tools.length) return {};
  const out: Json = { tools: body.tools.map((tool: unknown, i) => convertTool(tool, `tools[${i}]`)) };
  if (isRecord(body.tool_choice)) {
    out.tool_choice = convertToolChoice(body.tool_choice);
    if (body.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }
  return out;
}

function stop(body: Json): Json {
  const sequences = body.stop_sequences;
  if (sequences === undefined || sequences === null) return {};
  if (!isArray(sequences) || !sequences.every((s) => typeof s === 'string')) throw refuse('stop_sequences', 'stop_sequences must be an array of strings');
  if (sequences.length > MAX_STOP_SEQUENCES) throw refuse('stop_sequences', `OpenAI accepts at most ${MAX_STOP_SEQUENCES} stop sequences, got ${sequences.length}`);
  return sequences.length ? { stop: sequences } : {};
}

/** Request options with no OpenAI chat equivalent that change what the caller gets back. */
function refuseUnsupported(body: Json): void {
  const thinking = body.thinking;
  if (thinking !== undefined && thinking !== null && !(isRecord(thinking) && thinking.type === 'disabled')) throw refuse('thinking', 'extended thinking cannot be served by OpenAI chat completions');
  if (isRecord(body.output_config) && body.output_config.format !== undefined && body.output_config.format !== null) {
    throw refuse('output_config.format', 'structured output formats cannot be sent to OpenAI');
  }
  if (isArray(body.mcp_servers) && body.mcp_servers.length) throw refuse('mcp_servers', 'MCP servers cannot be sent to OpenAI');
  if (body.container !== undefined && body.container !== null) throw refuse('container', 'containers cannot be sent to OpenAI');
}

function translateRequest(body: Json, model: string): Json {
  refuseUnsupported(body);
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  return {
    model,
    messages: convertMessages(body),
    ...(typeof body.max_tokens === 'number' ? { max_completion_tokens: body.max_tokens } : {}),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { top_p: body.top_p } : {}),
    ...stop(body),
    ...convertTools(body),
    ...(typeof metadata.user_id === 'string' && metadata.user_id ? { user: metadata.user_id } : {}),
    ...(body.stream === true ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

// ---- Response: OpenAI chat completion -> Anthropic message ----

/** OpenAI `finish_reason` -> Anthropic `stop_reason`; any tool call makes it `tool_use` (OpenAI says `stop` for a forced function). */
function stopReason(finish: unknown, toolCalls: boolean, refused: boolean): string {
  if (finish === 'length') return 'max_tokens';
  if (toolCalls || finish === 'tool_calls' || finish === 'function_call') return 'tool_use';
  if (refused || finish === 'content_filter') return 'refusal';
  return 'end_turn';
}

function toolInput(args: unknown, path: string): Json {
  if (args === undefined || args === null || args === '') return {};
  let parsed: unknown;
  try {
    parsed = typeof args === 'string' ? JSON.parse(args) : args;
  } catch {
    throw refuse(path, 'the upstream tool call arguments are not valid JSON');
  }
  if (!isRecord(parsed)) throw refuse(path, 'the upstream tool call arguments are not a JSON object');
  return parsed;
}

function toolUseBlock(call: unknown, path: string): Json {
  if (!isRecord(call) || !isRecord(call.function)) throw refuse(path, `${describeBlock(call)} tool calls cannot be returned to an Anthropic client`);
  return { type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments, `${path}.function.arguments`) };
}

interface OpenAiUsageCounts {
  prompt: number;
  cached: number;
  completion: number;
}

function readUsage(usage: unknown): OpenAiUsageCounts | undefined {
  if (!isRecord(usage)) return undefined;
  const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  return { prompt: tokenCount(usage.prompt_tokens), cached: tokenCount(details.cached_tokens), completion: tokenCount(usage.completion_tokens) };
}

/** OpenAI's prompt tokens include cached ones; Anthropic's `input_tokens` exclude cache reads, reported apart. */
function anthropicUsage(usage: OpenAiUsageCounts): Json {
  const cached = Math.min(usage.cached, usage.prompt);
  return { input_tokens: usage.prompt - cached, cache_creation_input_tokens: 0, cache_read_input_tokens: cached, output_tokens: usage.completion };
}

function translateJson(body: Json): Json {
  const choices = isArray(body.choices) ? body.choices.filter(isRecord) : [];
  const choice = choices.find((c) => (c.index ?? 0) === 0) ?? {};
  const message = isRecord(choice.message) ? choice.message : {};
  const content: Json[] = [];
  const text = typeof message.content === 'string' ? message.content : '';
  const refusal = typeof message.refusal === 'string' ? message.refusal : '';
  if (text || refusal) content.push({ type: 'text', text: text || refusal });
  const calls = isArray(message.tool_calls) ? message.tool_calls : [];
  for (const [i, call] of calls.entries()) content.push(toolUseBlock(call, `choices[0].message.tool_calls[${i}]`));
  return {
    id: body.id,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stopReason(choice.finish_reason, calls.length > 0, Boolean(refusal) && !text),
    stop_sequence: null,
    usage: anthropicUsage(readUsage(body.usage) ?? { prompt: 0, cached: 0, completion: 0 }),
  };
}

// ---- Errors ----

function translateError(status: number, body: unknown): Json {
  return { type: 'error', error: { type: anthropicErrorType(status), message: upstreamErrorMessage(status, body) } };
}

/** The HTTP status behind an OpenAI error type, for errors that arrive inside a stream. */
function statusOfErrorType(type: unknown): number {
  if (type === 'invalid_request_error') return 400;
  if (type === 'authentication_error') return 401;
  if (type === 'permission_error') return 403;
  if (type === 'not_found_error') return 404;
  if (type === 'rate_limit_error' || type === 'rate_limit_exceeded' || type === 'insufficient_quota') return 429;
  return 500;
}

// ---- Stream: OpenAI chunks -> Anthropic events ----

function sseEvent(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

interface OpenBlock {
  index: number;
  kind: 'text' | 'tool';
}

class OpenAiToAnthropicStream implements StreamTranslator {
  private state: 'idle' | 'open' | 'done' = 'idle';
  private nextBlock = 0;
  private block: OpenBlock | undefined;
  /** OpenAI tool-call index -> Anthropic content-block index. */
  private readonly toolBlocks = new Map<number, number>();
  private finish: unknown = undefined;
  private refused = false;
  private usage: OpenAiUsageCounts | undefined;

  event(_name: string | undefined, data: string): string {
    if (this.state === 'done') return '';
    if (data.trim() === '[DONE]') return this.state === 'open' ? this.finishMessage() : '';
    const chunk = parseEventData(data);
    if (!chunk) return '';
    if (chunk.error !== undefined) return this.fail(chunk.error);
    const choices = isArray(chunk.choices) ? chunk.choices.filter(isRecord) : [];
    const choice = choices.find((c) => (c.index ?? 0) === 0);
    const usage = readUsage(chunk.usage);
    if (!choice && !usage) return ''; // e.g. Azure's prompt_filter_results chunk
    let out = this.start(chunk);
    if (choice) out += this.choice(choice);
    if (usage) this.usage = usage;
    if (usage && this.finish !== undefined) out += this.finishMessage();
    return out;
  }

  end(): string {
    // A stream cut off before its finish_reason is not made to look complete.
    return this.state === 'open' && this.finish !== undefined ? this.finishMessage() : '';
  }

  private start(chunk: Json): string {
    if (this.state !== 'idle') return '';
    this.state = 'open';
    const message = { id: chunk.id, type: 'message', role: 'assistant', model: chunk.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return sseEvent('message_start', { message });
  }

  private choice(choice: Json): string {
    const delta = isRecord(choice.delta) ? choice.delta : {};
    let out = '';
    if (typeof delta.content === 'string' && delta.content) out += this.text(delta.content);
    if (typeof delta.refusal === 'string' && delta.refusal) {
      this.refused = true;
      out += this.text(delta.refusal);
    }
    if (isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isRecord(call)) out += this.toolCall(call);
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
      this.finish = choice.finish_reason;
      out += this.closeBlock();
    }
    return out;
  }

  private text(text: string): string {
    let out = '';
    if (this.block?.kind !== 'text') out += this.openBlock('text', { type: 'text', text: '' });
    return out + sseEvent('content_block_delta', { index: this.block!.index, delta: { type: 'text_delta', text } });
  }

  private toolCall(call: Json): string {
    const key = typeof call.index === 'number' ? call.index : 0;
    const fn = isRecord(call.function) ? call.function : {};
    let out = '';
    if (!this.toolBlocks.has(key)) {
      out += this.openBlock('tool', { type: 'tool_use', id: call.id, name: fn.name, input: {} });
      this.toolBlocks.set(key, this.block!.index);
    }
    if (typeof fn.arguments === 'string' && fn.arguments) {
      out += sseEvent('content_block_delta', { index: this.toolBlocks.get(key), delta: { type: 'input_json_delta', partial_json: fn.arguments } });
    }
    return out;
  }

  private openBlock(kind: OpenBlock['kind'], contentBlock: Json): string {
    const out = this.closeBlock();
    this.block = { index: this.nextBlock++, kind };
    return out + sseEvent('content_block_start', { index: this.block.index, content_block: contentBlock });
  }

  private closeBlock(): string {
    if (!this.block) return '';
    const index = this.block.index;
    this.block = undefined;
    return sseEvent('content_block_stop', { index });
  }

  private finishMessage(): string {
    this.state = 'done';
    const usage = this.usage ? anthropicUsage(this.usage) : { output_tokens: 0 };
    const delta = { stop_reason: stopReason(this.finish, this.toolBlocks.size > 0, this.refused), stop_sequence: null };
    return this.closeBlock() + sseEvent('message_delta', { delta, usage }) + sseEvent('message_stop', {});
  }

  private fail(error: unknown): string {
    this.state = 'done';
    const type = isRecord(error) ? error.type : undefined;
    return sseEvent('error', translateError(statusOfErrorType(type), { error }));
  }
}

/** Client speaks Anthropic Messages; the upstream is OpenAI Chat Completions (`POST /chat/completions`). */
export const anthropicToOpenAi: Translation = {
  target: 'openai',
  request: translateRequest,
  json: translateJson,
  error: translateError,
  stream: () => new OpenAiToAnthropicStream(),
};
