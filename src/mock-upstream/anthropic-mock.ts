import { deltas, echoText, mockTokens, readPrompt } from './replies.js';
import type { MockReply, MockToolCall } from './types.js';

function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** `POST /v1/messages`, JSON or SSE with usage in `message_start` and `message_delta`. */
export function messages(body: Record<string, unknown>, seq: number, reply: MockReply, replyText?: string, toolCall?: MockToolCall): void {
  const id = `msg_mock${String(seq).padStart(6, '0')}`;
  const model = String(body.model ?? 'claude-3-5-haiku-latest');
  const { last, all } = readPrompt(body);
  const args = toolCall ? JSON.stringify(toolCall.arguments) : '';
  const text = toolCall ? args : (replyText ?? echoText(last));
  const use = toolCall ? { type: 'tool_use' as const, id: `toolu_mock${String(seq).padStart(6, '0')}`, name: toolCall.name, input: toolCall.arguments } : undefined;
  const stop = use ? 'tool_use' : 'end_turn';
  const inputTokens = mockTokens(all);
  const outputTokens = mockTokens(text);
  const usage = { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens, service_tier: 'standard' };
  if (body.stream !== true) {
    reply.json(200, { id, type: 'message', role: 'assistant', model, content: [use ?? { type: 'text', text }], stop_reason: stop, stop_sequence: null, usage });
    return;
  }
  const events = [
    sseEvent('message_start', {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    }),
    sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: use ? { ...use, input: {} } : { type: 'text', text: '' } }),
    sseEvent('ping', { type: 'ping' }),
  ];
  for (const piece of deltas(text)) {
    const delta = use ? { type: 'input_json_delta', partial_json: piece } : { type: 'text_delta', text: piece };
    events.push(sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta }));
  }
  events.push(
    sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: outputTokens } }),
    sseEvent('message_stop', { type: 'message_stop' }),
  );
  reply.sse(events);
}

/** `POST /v1/messages/count_tokens`. */
export function countTokens(body: Record<string, unknown>, reply: MockReply): void {
  reply.json(200, { input_tokens: mockTokens(readPrompt(body).all) });
}

export function anthropicError(status: number, message: string): Record<string, unknown> {
  const type =
    status === 400 ? 'invalid_request_error' : status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status === 404 ? 'not_found_error' : status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
  return { type: 'error', error: { type, message } };
}
