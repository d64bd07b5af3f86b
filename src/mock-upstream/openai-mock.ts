import { deltas, echoText, embedding, isObject, mockTokens, openAiModels, readPrompt } from './replies.js';
import type { MockReply, MockToolCall } from './types.js';

function sseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** `POST /v1/chat/completions`, JSON or SSE; the usage chunk only with `stream_options.include_usage`. */
export function chatCompletions(body: Record<string, unknown>, seq: number, reply: MockReply, replyText?: string, toolCall?: MockToolCall): void {
  const id = `chatcmpl-mock${seq}`;
  const created = Math.floor(Date.now() / 1000);
  const model = String(body.model ?? 'gpt-4o-mini');
  const { last, all } = readPrompt(body);
  const args = toolCall ? JSON.stringify(toolCall.arguments) : '';
  const text = toolCall ? args : (replyText ?? echoText(last));
  const call = toolCall ? { id: `call_mock${seq}`, type: 'function' as const, function: { name: toolCall.name, arguments: args } } : undefined;
  const finish = call ? 'tool_calls' : 'stop';
  const usage = { prompt_tokens: mockTokens(all), completion_tokens: mockTokens(text), total_tokens: mockTokens(all) + mockTokens(text), prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } };
  if (body.stream !== true) {
    reply.json(200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: call ? null : text, refusal: null, annotations: [], ...(call ? { tool_calls: [call] } : {}) }, logprobs: null, finish_reason: finish }],
      usage,
      service_tier: 'default',
      system_fingerprint: 'fp_mock',
    });
    return;
  }
  const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
  const base = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_mock', ...(includeUsage ? { usage: null } : {}) };
  const events = [sseData({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }] })];
  if (call) {
    // The call's id and name first, then its arguments in pieces, as OpenAI streams them.
    events.push(sseData({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...call, function: { name: call.function.name, arguments: '' } }] }, logprobs: null, finish_reason: null }] }));
    for (const piece of deltas(args)) events.push(sseData({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }] }));
  } else {
    for (const piece of deltas(text)) events.push(sseData({ ...base, choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }] }));
  }
  events.push(sseData({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }] }));
  if (includeUsage) events.push(sseData({ ...base, choices: [], usage }));
  events.push('data: [DONE]\n\n');
  reply.sse(events);
}

/** `POST /v1/responses`, JSON or SSE (typed `event:` lines with `sequence_number`). */
export function responses(body: Record<string, unknown>, seq: number, reply: MockReply, replyText?: string): void {
  const id = `resp_mock${seq}`;
  const itemId = `msg_mock${seq}`;
  const createdAt = Math.floor(Date.now() / 1000);
  const model = String(body.model ?? 'gpt-4o-mini');
  const { last, all } = readPrompt(body);
  const text = replyText ?? echoText(last);
  const usage = { input_tokens: mockTokens(all), input_tokens_details: { cached_tokens: 0 }, output_tokens: mockTokens(text), output_tokens_details: { reasoning_tokens: 0 }, total_tokens: mockTokens(all) + mockTokens(text) };
  const item = { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] };
  const response = (status: string, output: unknown[], withUsage: boolean) => ({
    id,
    object: 'response',
    created_at: createdAt,
    status,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    temperature: 1,
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    usage: withUsage ? usage : null,
    metadata: {},
  });
  if (body.stream !== true) {
    reply.json(200, response('completed', [item], true));
    return;
  }
  let n = 0;
  const ev = (type: string, data: Record<string, unknown>) => sseEvent(type, { type, sequence_number: n++, ...data });
  const events = [
    ev('response.created', { response: response('in_progress', [], false) }),
    ev('response.in_progress', { response: response('in_progress', [], false) }),
    ev('response.output_item.added', { output_index: 0, item: { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] } }),
    ev('response.content_part.added', { item_id: itemId, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
  ];
  for (const piece of deltas(text)) events.push(ev('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta: piece, logprobs: [] }));
  events.push(
    ev('response.output_text.done', { item_id: itemId, output_index: 0, content_index: 0, text, logprobs: [] }),
    ev('response.content_part.done', { item_id: itemId, output_index: 0, content_index: 0, part: { type: 'output_text', text, annotations: [] } }),
    ev('response.output_item.done', { output_index: 0, item }),
    ev('response.completed', { response: response('completed', [item], true) }),
  );
  reply.sse(events);
}

/** `POST /v1/embeddings`: float arrays, or base64 when `encoding_format` is `base64` (the SDK default). */
export function embeddings(body: Record<string, unknown>, reply: MockReply): void {
  const inputs = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input : [];
  const tokens = inputs.reduce<number>((n, input) => n + mockTokens(typeof input === 'string' ? input : JSON.stringify(input)), 0);
  reply.json(200, {
    object: 'list',
    data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: embedding(index, body.encoding_format) })),
    model: String(body.model ?? 'text-embedding-3-small'),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

export function models(reply: MockReply): void {
  reply.json(200, openAiModels(1_700_000_000));
}

export function openAiError(status: number, message: string): Record<string, unknown> {
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: null } };
}
