import type { ContentPart, Message, Role, ToolCall } from '../../engine/types.js';
import {
  type BodyRequest,
  InvalidRequestBodyError,
  argumentsText,
  booleanValue,
  isRecord,
  optionalBoolean,
  optionalPositiveInt,
  optionalString,
  positiveIntValue,
  stringValue,
  typeName,
} from '../request-shape.js';

const CHAT_ROLES = new Set<Role>(['system', 'developer', 'user', 'assistant', 'tool']);

function requireBody(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw new InvalidRequestBodyError('body', `expected a JSON object, got ${typeName(body)}`);
  return body;
}

function contentParts(value: unknown, path: string): string | ContentPart[] {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw new InvalidRequestBodyError(path, `expected a string or an array of parts, got ${typeName(value)}`);
  return value.map((part, i): ContentPart => {
    if (!isRecord(part)) throw new InvalidRequestBodyError(`${path}[${i}]`, `expected a content part object, got ${typeName(part)}`);
    const type = part.type;
    if (type === 'text' || type === 'input_text' || type === 'output_text' || type === 'refusal') {
      const text = type === 'refusal' ? part.refusal : part.text;
      if (typeof text !== 'string') throw new InvalidRequestBodyError(`${path}[${i}].text`, 'expected a string');
      return { type: 'text', text };
    }
    if (type === 'image_url' || type === 'input_image') return { type: 'image' };
    if (type === 'input_audio') return { type: 'audio' };
    if (type === 'file' || type === 'input_file') return { type: 'file' };
    return { type: 'other' };
  });
}

function toolCalls(value: unknown, path: string): ToolCall[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new InvalidRequestBodyError(path, `expected an array, got ${typeName(value)}`);
  return value.map((call, i) => {
    const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
    if (!fn || typeof fn.name !== 'string') throw new InvalidRequestBodyError(`${path}[${i}].function.name`, 'expected a string');
    return { id: typeof call.id === 'string' ? call.id : undefined, name: fn.name, arguments: argumentsText(fn.arguments) };
  });
}

/** `POST /v1/chat/completions` body → the engine's request. */
export function parseChatCompletions(input: unknown): BodyRequest {
  const body = requireBody(input);
  const model = stringValue(body.model, 'model');
  if (!Array.isArray(body.messages)) throw new InvalidRequestBodyError('messages', `expected an array of messages, got ${typeName(body.messages)}`);
  const list: unknown[] = body.messages;
  const messages: Message[] = [];
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    // Error paths are built only when there is an error: this runs for every message of every call.
    if (!isRecord(m)) throw new InvalidRequestBodyError(`messages[${i}]`, `expected a message object, got ${typeName(m)}`);
    const role = m.role;
    if (typeof role !== 'string' || !CHAT_ROLES.has(role as Role)) {
      throw new InvalidRequestBodyError(`messages[${i}].role`, `expected one of ${[...CHAT_ROLES].join(', ')}`);
    }
    const content = typeof m.content === 'string' ? m.content : contentParts(m.content, `messages[${i}].content`);
    const message: Message = { role: role as Role, content };
    const calls = m.tool_calls === undefined ? undefined : toolCalls(m.tool_calls, `messages[${i}].tool_calls`);
    if (calls) message.toolCalls = calls;
    if (typeof m.name === 'string') message.name = m.name;
    messages.push(message);
  }
  if (body.tools !== undefined && body.tools !== null && !Array.isArray(body.tools)) throw new InvalidRequestBodyError('tools', 'expected an array');
  return {
    provider: 'openai',
    endpoint: 'chat',
    model,
    messages,
    tools: (body.tools as unknown[] | undefined) ?? undefined,
    maxOutputTokens: positiveIntValue(body.max_completion_tokens, 'max_completion_tokens') ?? positiveIntValue(body.max_tokens, 'max_tokens'),
    stream: booleanValue(body.stream, 'stream'),
    endUser: stringValue(body.user, 'user'),
    body,
  };
}

/** `POST /v1/responses` body → the engine's request (instructions become a system message). */
export function parseResponses(input: unknown): BodyRequest {
  const body = requireBody(input);
  const messages: Message[] = [];
  const instructions = optionalString(body, 'instructions');
  if (instructions) messages.push({ role: 'system', content: instructions });
  const items = body.input;
  if (typeof items === 'string') {
    messages.push({ role: 'user', content: items });
  } else if (Array.isArray(items)) {
    items.forEach((item, i) => {
      const path = `input[${i}]`;
      if (!isRecord(item)) throw new InvalidRequestBodyError(path, `expected an input item object, got ${typeName(item)}`);
      if (item.type === 'function_call') {
        messages.push({ role: 'assistant', content: '', toolCalls: [{ name: String(item.name ?? ''), arguments: argumentsText(item.arguments) }] });
      } else if (item.type === 'function_call_output') {
        messages.push({ role: 'tool', content: argumentsText(item.output) });
      } else if (typeof item.role === 'string') {
        const role = CHAT_ROLES.has(item.role as Role) ? (item.role as Role) : 'user';
        messages.push({ role, content: contentParts(item.content, `${path}.content`) });
      } else {
        messages.push({ role: 'user', content: [{ type: 'other' }] });
      }
    });
  } else if (items !== undefined && items !== null) {
    throw new InvalidRequestBodyError('input', `expected a string or an array of input items, got ${typeName(items)}`);
  }
  return {
    provider: 'openai',
    endpoint: 'responses',
    model: optionalString(body, 'model'),
    messages,
    tools: Array.isArray(body.tools) ? body.tools : undefined,
    maxOutputTokens: optionalPositiveInt(body, 'max_output_tokens'),
    stream: optionalBoolean(body, 'stream'),
    endUser: optionalString(body, 'user'),
    body,
  };
}

/**
 * `POST /v1/completions` (the legacy text completions) body → the engine's request: each
 * prompt string is a user text; a prompt given as token ids cannot be read, and counts as
 * an unreadable part (as an image does).
 */
export function parseCompletions(input: unknown): BodyRequest {
  const body = requireBody(input);
  const raw = body.prompt;
  const prompts = raw === undefined || raw === null ? [''] : Array.isArray(raw) ? raw : [raw];
  const messages: Message[] = [];
  for (let i = 0; i < prompts.length; i++) {
    const prompt = prompts[i];
    if (typeof prompt === 'string') messages.push({ role: 'user', content: prompt });
    else if (typeof prompt === 'number' || Array.isArray(prompt)) messages.push({ role: 'user', content: [{ type: 'other' }] });
    else throw new InvalidRequestBodyError(Array.isArray(raw) ? `prompt[${i}]` : 'prompt', `expected a string, an array of strings or token ids, got ${typeName(prompt)}`);
  }
  // Token ids as one flat array are one prompt, not one per id.
  const flat = Array.isArray(raw) && raw.length > 0 && raw.every((v) => typeof v === 'number');
  return {
    provider: 'openai',
    endpoint: 'completions',
    model: stringValue(body.model, 'model'),
    messages: flat ? [{ role: 'user', content: [{ type: 'other' }] }] : messages,
    maxOutputTokens: positiveIntValue(body.max_tokens, 'max_tokens'),
    stream: booleanValue(body.stream, 'stream'),
    endUser: stringValue(body.user, 'user'),
    body,
  };
}

/** `POST /v1/embeddings` body → the engine's request (each input string is a user text). */
export function parseEmbeddings(input: unknown): BodyRequest {
  const body = requireBody(input);
  const raw = body.input;
  const texts = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : undefined;
  if (!texts) throw new InvalidRequestBodyError('input', `expected a string or an array of strings, got ${typeName(raw)}`);
  return {
    provider: 'openai',
    endpoint: 'embeddings',
    model: optionalString(body, 'model'),
    messages: texts.map((text) => ({ role: 'user', content: text })),
    maxOutputTokens: 1,
    stream: false,
    endUser: optionalString(body, 'user'),
    body,
  };
}
