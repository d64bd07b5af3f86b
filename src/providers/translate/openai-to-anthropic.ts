// The client speaks OpenAI Chat Completions; the upstream is Anthropic Messages.

import { openAiErrorType } from '../openai/errors.js';
import { isArray, isRecord, parseEventData, refuse, tokenCount, upstreamErrorMessage } from './index.js';
import type { StreamTranslator, Translation } from './index.js';

type Json = Record<string, unknown>;
type Block = Json;

interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Anthropic requires `max_tokens`; this is used when the client sent no limit. */
export const DEFAULT_MAX_TOKENS = 4096;

const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

// ---- Request: OpenAI chat body -> Anthropic messages body ----

function textOfParts(content: unknown, path: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!isArray(content)) throw refuse(path, 'content must be a string or an array of parts');
  return content.map((part: unknown, i) => textOfPart(part, `${path}[${i}]`)).join('');
}

function textOfPart(part: unknown, path: string): string {
  if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
  throw refuse(path, `${describePart(part)} parts cannot be used here; only text parts`);
}

function describePart(part: unknown): string {
  return isRecord(part) && typeof part.type === 'string' ? part.type : 'unknown';
}

function imageBlock(part: Json, path: string): Block {
  const image = isRecord(part.image_url) ? part.image_url : undefined;
  const url = typeof image?.url === 'string' ? image.url : typeof part.image_url === 'string' ? part.image_url : undefined;
  if (!url) throw refuse(path, 'image_url part without a url');
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!data) throw refuse(path, 'image URLs must be http(s) or base64 data: URLs to be sent to Anthropic');
  const mediaType = data[1]!.toLowerCase();
  if (!IMAGE_MEDIA_TYPES.has(mediaType)) throw refuse(path, `${mediaType} images cannot be sent to Anthropic (jpeg, png, gif, webp only)`);
  return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data[2] } };
}

function userBlock(part: unknown, path: string): Block | undefined {
  if (!isRecord(part)) throw refuse(path, 'content parts must be objects');
  if (part.type === 'text') {
    if (typeof part.text !== 'string') throw refuse(path, 'text part without text');
    return part.text ? { type: 'text', text: part.text } : undefined;
  }
  if (part.type === 'image_url') return imageBlock(part, path);
  throw refuse(path, `${describePart(part)} parts cannot be sent to Anthropic`);
}

function userBlocks(content: unknown, path: string): Block[] {
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : [];
  if (!isArray(content)) throw refuse(`${path}`, 'user content must be a string or an array of parts');
  return content.flatMap<Block>((part: unknown, i) => userBlock(part, `${path}[${i}]`) ?? []);
}

function toolInput(args: unknown, path: string): Json {
  if (args === undefined || args === null || args === '') return {};
  if (typeof args !== 'string') throw refuse(path, 'tool call arguments must be a JSON string');
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw refuse(path, 'tool call arguments are not valid JSON');
  }
  if (!isRecord(parsed)) throw refuse(path, 'tool call arguments must be a JSON object to be sent to Anthropic');
  return parsed;
}

function toolUseBlock(call: unknown, path: string): Block {
  if (!isRecord(call)) throw refuse(path, 'tool calls must be objects');
  if (call.type !== undefined && call.type !== 'function') throw refuse(path, `${String(call.type)} tool calls cannot be sent to Anthropic`);
  const fn = isRecord(call.function) ? call.function : undefined;
  if (typeof call.id !== 'string' || typeof fn?.name !== 'string') throw refuse(path, 'tool call without an id or function name');
  return { type: 'tool_use', id: call.id, name: fn.name, input: toolInput(fn.arguments, `${path}.function.arguments`) };
}

function assistantBlocks(message: Json, path: string): Block[] {
  if (message.function_call !== undefined && message.function_call !== null) throw refuse(`${path}.function_call`, 'legacy function_call cannot be sent to Anthropic; use tool_calls');
  const text = assistantText(message.content, `${path}.content`);
  const blocks: Block[] = text ? [{ type: 'text', text }] : [];
  const calls = message.tool_calls;
  if (calls !== undefined && calls !== null && !isArray(calls)) throw refuse(`${path}.tool_calls`, 'tool_calls must be an array');
  for (const [i, call] of (calls ?? []).entries()) blocks.push(toolUseBlock(call, `${path}.tool_calls[${i}]`));
  return blocks;
}

function assistantText(content: unknown, path: string): string {
  if (!isArray(content)) return textOfParts(content, path);
  const text = (part: unknown, i: number) => (isRecord(part) && part.type === 'refusal' && typeof part.refusal === 'string' ? part.refusal : textOfPart(part, `${path}[${i}]`));
  return content.map(text).join('');
}

function toolResultBlock(message: Json, path: string): Block {
  if (typeof message.tool_call_id !== 'string') throw refuse(`${path}.tool_call_id`, 'tool message without a tool_call_id');
  const content = textOfParts(message.content, `${path}.content`);
  return { type: 'tool_result', tool_use_id: message.tool_call_id, ...(content ? { content } : {}) };
}

/** Appends blocks under a role, merging with the previous message when the role repeats (Anthropic requires alternation). */
function append(out: AnthropicMessage[], role: 'user' | 'assistant', blocks: Block[]): void {
  if (!blocks.length) return;
  const last = out.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else out.push({ role, content: blocks });
}

function convertMessages(messages: unknown[]): { system: string[]; messages: AnthropicMessage[] } {
  const system: string[] = [];
  const out: AnthropicMessage[] = [];
  for (const [i, message] of messages.entries()) {
    const path = `messages[${i}]`;
    if (!isRecord(message)) throw refuse(path, 'messages must be objects');
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOfParts(message.content, `${path}.content`);
        if (text) system.push(text);
        break;
      }
      case 'user':
        append(out, 'user', userBlocks(message.content, `${path}.content`));
        break;
      case 'assistant':
        append(out, 'assistant', assistantBlocks(message, path));
        break;
      case 'tool':
        append(out, 'user', [toolResultBlock(message, path)]);
        break;
      default:
        throw refuse(`${path}.role`, `${String(message.role)} messages cannot be sent to Anthropic`);
    }
  }
  return { system, messages: out };
}

/** A message of a single text block is sent as a plain string, as clients usually write it. */
function compact(message: AnthropicMessage): Json {
  const only = message.content.length === 1 ? message.content[0] : undefined;
  if (only?.type === 'text' && Object.keys(only).length === 2) return { role: message.role, content: only.text };
  return { role: message.role, content: message.content };
}

function convertTool(tool: unknown, path: string): Json {
  if (!isRecord(tool)) throw refuse(path, 'tools must be objects');
  if (tool.type !== 'function' || !isRecord(tool.function)) throw refuse(path, `${String(tool.type)} tools cannot be sent to Anthropic; only function tools`);
  const fn = tool.function;
  if (typeof fn.name !== 'string') throw refuse(`${path}.function.name`, 'function tool without a name');
  const schema = isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} };
  return { name: fn.name, ...(typeof fn.description === 'string' ? { description: fn.description } : {}), input_schema: schema };
}

function convertToolChoice(choice: unknown): Json | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') {
    return { type: 'tool', name: choice.function.name };
  }
  throw refuse('tool_choice', `${describePart(choice)} tool_choice cannot be sent to Anthropic`);
}

/** `tools`, `tool_choice` and `parallel_tool_calls` -> Anthropic's `tools` and `tool_choice`. */
function convertTools(body: Json): Json {
  if (body.tools === undefined || body.tools === null) return {};
  if (!isArray(body.tools)) throw refuse('tools', 'tools must be an array');
  if (!body.tools.length) return {};
  const tools = body.tools.map((tool: unknown, i) => convertTool(tool, `tools[${i}]`));
  let choice = convertToolChoice(body.tool_choice);
  if (body.parallel_tool_calls === false && choice?.type !== 'none') choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return { tools, ...(choice ? { tool_choice: choice } : {}) };
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === 'string') return [stop];
  if (isArray(stop) && stop.every((s) => typeof s === 'string')) return stop.length ? stop : undefined;
  throw refuse('stop', 'stop must be a string or an array of strings');
}

/** Request options with no Anthropic equivalent that change what the caller gets back. */
function refuseUnsupported(body: Json): void {
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw refuse('n', 'n > 1 (several choices) cannot be served by Anthropic');
  if (body.logprobs === true) throw refuse('logprobs', 'logprobs cannot be served by Anthropic');
  if (body.top_logprobs !== undefined && body.top_logprobs !== null) throw refuse('top_logprobs', 'top_logprobs cannot be served by Anthropic');
  const format = body.response_format;
  if (format !== undefined && format !== null && !(isRecord(format) && format.type === 'text')) {
    throw refuse('response_format', `response_format ${describePart(format)} cannot be served by Anthropic`);
  }
  if (body.audio !== undefined && body.audio !== null) throw refuse('audio', 'audio output cannot be served by Anthropic');
  if (isArray(body.modalities) && body.modalities.some((m) => m !== 'text')) throw refuse('modalities', 'only text output can be served by Anthropic');
  if (body.functions !== undefined || body.function_call !== undefined) throw refuse(body.functions !== undefined ? 'functions' : 'function_call', 'legacy functions cannot be sent to Anthropic; use tools');
  if (body.web_search_options !== undefined && body.web_search_options !== null) throw refuse('web_search_options', 'web_search_options cannot be sent to Anthropic');
}

function maxTokens(body: Json): number {
  const value = body.max_completion_tokens ?? body.max_tokens;
  return typeof value === 'number' ? value : DEFAULT_MAX_TOKENS;
}

function samplingOptions(body: Json): Json {
  const out: Json = {};
  // OpenAI allows temperature up to 2, Anthropic up to 1.
  if (typeof body.temperature === 'number') out.temperature = Math.min(body.temperature, 1);
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  const stop = stopSequences(body.stop);
  if (stop) out.stop_sequences = stop;
  return out;
}

function translateRequest(body: Json, model: string): Json {
  refuseUnsupported(body);
  if (!isArray(body.messages)) throw refuse('messages', 'messages must be an array');
  const converted = convertMessages(body.messages);
  return {
    model,
    max_tokens: maxTokens(body),
    ...(converted.system.length ? { system: converted.system.join('\n\n') } : {}),
    messages: converted.messages.map(compact),
    ...samplingOptions(body),
    ...convertTools(body),
    ...(typeof body.user === 'string' && body.user ? { metadata: { user_id: body.user } } : {}),
    ...(body.stream === true ? { stream: true } : {}),
  };
}

// ---- Response: Anthropic message -> OpenAI chat completion ----

/** Anthropic `stop_reason` -> OpenAI `finish_reason`. */
function finishReason(stopReason: unknown): string | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

interface UsageCounts {
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
}

function readUsage(usage: unknown, into: UsageCounts): UsageCounts {
  if (!isRecord(usage)) return into;
  const next = { ...into };
  if (typeof usage.input_tokens === 'number') next.input = tokenCount(usage.input_tokens);
  if (typeof usage.cache_read_input_tokens === 'number') next.cacheRead = tokenCount(usage.cache_read_input_tokens);
  if (typeof usage.cache_creation_input_tokens === 'number') next.cacheCreation = tokenCount(usage.cache_creation_input_tokens);
  if (typeof usage.output_tokens === 'number') next.output = tokenCount(usage.output_tokens);
  return next;
}

const NO_USAGE: UsageCounts = { input: 0, cacheRead: 0, cacheCreation: 0, output: 0 };

/** Anthropic usage -> OpenAI usage: prompt tokens count cache reads and writes, as OpenAI's do. */
function openAiUsage(usage: UsageCounts): Json {
  const prompt = usage.input + usage.cacheRead + usage.cacheCreation;
  return { prompt_tokens: prompt, completion_tokens: usage.output, total_tokens: prompt + usage.output, prompt_tokens_details: { cached_tokens: usage.cacheRead } };
}

function toolCall(block: Json): Json {
  return { id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}

function translateJson(body: Json): Json {
  const blocks = isArray(body.content) ? body.content.filter(isRecord) : [];
  const texts = blocks.filter((b) => b.type === 'text' && typeof b.text === 'string').map((b) => b.text as string);
  const calls = blocks.filter((b) => b.type === 'tool_use').map(toolCall);
  const message: Json = { role: 'assistant', content: texts.length ? texts.join('') : null, refusal: null };
  if (calls.length) message.tool_calls = calls;
  return {
    id: body.id,
    object: 'chat.completion',
    created: nowSeconds(),
    model: body.model,
    choices: [{ index: 0, message, finish_reason: finishReason(body.stop_reason) ?? 'stop', logprobs: null }],
    usage: openAiUsage(readUsage(body.usage, NO_USAGE)),
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

// ---- Errors ----

function translateError(status: number, body: unknown): Json {
  const upstream = isRecord(body) && isRecord(body.error) && typeof body.error.type === 'string' ? body.error.type : null;
  return { error: { message: upstreamErrorMessage(status, body), type: openAiErrorType(status), code: upstream, param: null } };
}

/** The HTTP status Anthropic pairs with an error type, for errors that arrive inside a stream. */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

function statusOfErrorEvent(data: Json): number {
  const type = isRecord(data.error) ? data.error.type : undefined;
  return (typeof type === 'string' ? STATUS_OF_TYPE[type] : undefined) ?? 500;
}

// ---- Stream: Anthropic events -> OpenAI chunks ----

function sseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

const DONE = 'data: [DONE]\n\n';

class AnthropicToOpenAiStream implements StreamTranslator {
  private readonly created = nowSeconds();
  private id = '';
  private model = '';
  private usage: UsageCounts = NO_USAGE;
  private finish: string | null = null;
  /** Anthropic content-block index -> OpenAI tool-call index. */
  private readonly toolIndex = new Map<number, number>();
  private state: 'open' | 'failed' | 'done' = 'open';

  event(name: string | undefined, data: string): string {
    if (this.state !== 'open') return ''; // after message_stop or an error, nothing more is sent
    const event = parseEventData(data);
    if (!event) return '';
    const type = typeof event.type === 'string' ? event.type : name;
    switch (type) {
      case 'message_start':
        return this.messageStart(event);
      case 'content_block_start':
        return this.blockStart(event);
      case 'content_block_delta':
        return this.blockDelta(event);
      case 'message_delta':
        return this.messageDelta(event);
      case 'message_stop':
        return this.finishStream();
      case 'error':
        this.state = 'failed';
        return sseData(translateError(statusOfErrorEvent(event), event));
      default:
        return ''; // ping, content_block_stop, and events added later
    }
  }

  end(): string {
    if (this.state === 'done') return '';
    if (this.state === 'failed') {
      this.state = 'done';
      return DONE;
    }
    // A stream cut off before its stop reason is not made to look complete.
    return this.finish ? this.finishStream() : '';
  }

  private chunk(delta: Json, finish: string | null = null): string {
    return sseData({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  }

  private messageStart(event: Json): string {
    const message = isRecord(event.message) ? event.message : {};
    if (typeof message.id === 'string') this.id = message.id;
    if (typeof message.model === 'string') this.model = message.model;
    this.usage = readUsage(message.usage, this.usage);
    return this.chunk({ role: 'assistant', content: '' });
  }

  private blockStart(event: Json): string {
    const block = isRecord(event.content_block) ? event.content_block : {};
    if (block.type === 'text' && typeof block.text === 'string' && block.text) return this.chunk({ content: block.text });
    if (block.type !== 'tool_use' || typeof event.index !== 'number') return '';
    const index = this.toolIndex.size;
    this.toolIndex.set(event.index, index);
    const args = isRecord(block.input) && Object.keys(block.input).length ? JSON.stringify(block.input) : '';
    return this.chunk({ tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: args } }] });
  }

  private blockDelta(event: Json): string {
    const delta = isRecord(event.delta) ? event.delta : {};
    if (delta.type === 'text_delta' && typeof delta.text === 'string') return this.chunk({ content: delta.text });
    if (delta.type !== 'input_json_delta' || typeof delta.partial_json !== 'string' || typeof event.index !== 'number') return '';
    const index = this.toolIndex.get(event.index);
    if (index === undefined || !delta.partial_json) return '';
    return this.chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] });
  }

  private messageDelta(event: Json): string {
    this.usage = readUsage(event.usage, this.usage);
    const delta = isRecord(event.delta) ? event.delta : {};
    this.finish = finishReason(delta.stop_reason) ?? 'stop';
    return this.chunk({}, this.finish);
  }

  /** The usage-only chunk (always; the gateway drops it when the client did not ask) and `[DONE]`. */
  private finishStream(): string {
    this.state = 'done';
    const usage = sseData({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: openAiUsage(this.usage) });
    return usage + DONE;
  }
}

/** Client speaks OpenAI Chat Completions; the upstream is Anthropic Messages (`POST /v1/messages`). */
export const openAiToAnthropic: Translation = {
  target: 'anthropic',
  request: translateRequest,
  json: translateJson,
  error: translateError,
  stream: () => new AnthropicToOpenAiStream(),
};
