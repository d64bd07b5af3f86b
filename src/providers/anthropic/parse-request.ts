import type { ContentPart, Message, ToolCall } from '../../engine/types.js';
import {
  type BodyRequest,
  InvalidRequestBodyError,
  argumentsText,
  isRecord,
  optionalBoolean,
  optionalPositiveInt,
  optionalString,
  typeName,
} from '../request-shape.js';

function blocks(value: unknown, path: string): { content: string | ContentPart[]; toolCalls: ToolCall[] } {
  const toolCalls: ToolCall[] = [];
  if (typeof value === 'string') return { content: value, toolCalls };
  if (!Array.isArray(value)) throw new InvalidRequestBodyError(path, `expected a string or an array of content blocks, got ${typeName(value)}`);
  const parts: ContentPart[] = [];
  value.forEach((block, i) => {
    if (!isRecord(block)) throw new InvalidRequestBodyError(`${path}[${i}]`, `expected a content block object, got ${typeName(block)}`);
    switch (block.type) {
      case 'text':
        if (typeof block.text !== 'string') throw new InvalidRequestBodyError(`${path}[${i}].text`, 'expected a string');
        parts.push({ type: 'text', text: block.text });
        break;
      case 'tool_use':
        toolCalls.push({ id: typeof block.id === 'string' ? block.id : undefined, name: String(block.name ?? ''), arguments: argumentsText(block.input) });
        break;
      case 'tool_result': {
        const inner = block.content === undefined ? '' : blocks(block.content, `${path}[${i}].content`).content;
        if (typeof inner === 'string') parts.push({ type: 'text', text: inner });
        else parts.push(...inner);
        break;
      }
      case 'image':
        parts.push({ type: 'image' });
        break;
      case 'document':
        parts.push({ type: 'file' });
        break;
      default:
        parts.push({ type: 'other' });
    }
  });
  return { content: parts, toolCalls };
}

/** `POST /v1/messages` (and `count_tokens`) body → the engine's request; `system` becomes a system message. */
export function parseMessages(input: unknown, endpoint = 'messages'): BodyRequest {
  if (!isRecord(input)) throw new InvalidRequestBodyError('body', `expected a JSON object, got ${typeName(input)}`);
  const body = input;
  const messages: Message[] = [];
  if (body.system !== undefined && body.system !== null) {
    messages.push({ role: 'system', content: blocks(body.system, 'system').content });
  }
  if (!Array.isArray(body.messages)) throw new InvalidRequestBodyError('messages', `expected an array of messages, got ${typeName(body.messages)}`);
  body.messages.forEach((m, i) => {
    const path = `messages[${i}]`;
    if (!isRecord(m)) throw new InvalidRequestBodyError(path, `expected a message object, got ${typeName(m)}`);
    if (m.role !== 'user' && m.role !== 'assistant') throw new InvalidRequestBodyError(`${path}.role`, 'expected user or assistant');
    const { content, toolCalls } = blocks(m.content, `${path}.content`);
    messages.push(toolCalls.length ? { role: m.role, content, toolCalls } : { role: m.role, content });
  });
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  return {
    provider: 'anthropic',
    endpoint,
    model: optionalString(body, 'model'),
    messages,
    tools: Array.isArray(body.tools) ? body.tools : undefined,
    maxOutputTokens: endpoint === 'count_tokens' ? 1 : optionalPositiveInt(body, 'max_tokens'),
    stream: optionalBoolean(body, 'stream'),
    endUser: optionalString(metadata, 'user_id', 'metadata.user_id'),
    body,
  };
}
