import { type AnthropicProvider, createAnthropic } from '@ai-sdk/anthropic';
import { type OpenAIProvider, createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_KEY, type Stack, UPSTREAM_ANTHROPIC_KEY, UPSTREAM_OPENAI_KEY, startStack } from './harness.js';
import { rejection } from '../fixtures/rejection.js';

let stack: Stack;
let openai: OpenAIProvider;
let anthropic: AnthropicProvider;
beforeAll(async () => {
  stack = await startStack();
  // The AI SDK appends `/chat/completions`, `/responses` and `/messages` to baseURL.
  openai = createOpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: DEV_KEY });
  anthropic = createAnthropic({ baseURL: `${stack.gateway.url}/v1`, apiKey: DEV_KEY });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.mock.reset();
});

/** Drains a stream and returns the error it carried (streamText reports errors as stream parts, not by throwing). */
async function streamError(result: { fullStream: AsyncIterable<{ type: string; error?: unknown }> }): Promise<unknown> {
  for await (const part of result.fullStream) if (part.type === 'error') return part.error;
  throw new Error('expected the stream to carry an error');
}

/** The decision record in a refusal body: inside `error` (OpenAI) or at the top level (Anthropic). */
function wardenRecord(err: APICallError): Record<string, unknown> {
  const body = JSON.parse(err.responseBody ?? '{}') as { warden?: Record<string, unknown>; error?: { warden?: Record<string, unknown> } };
  return body.error?.warden ?? body.warden ?? {};
}

function expectPolicyBlock(err: unknown, rule: string): void {
  expect(APICallError.isInstance(err)).toBe(true);
  const apiError = err as APICallError;
  expect(apiError.statusCode).toBe(403);
  expect(apiError.isRetryable).toBe(false);
  expect(wardenRecord(apiError)).toMatchObject({ decision: 'block', policy: 'dev_team_restrictions', rule, user: 'dev@acme.com' });
  expect(apiError.responseHeaders?.['x-request-id']).toMatch(/^req_[0-9a-f]{24}$/);
}

describe('gateway with the Vercel AI SDK, OpenAI provider', () => {
  it('generateText on the chat model: echo, usage, and the upstream got the server key', async () => {
    const result = await generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'hello from the ai sdk', maxRetries: 0 });
    expect(result.text).toBe('Echo: hello from the ai sdk');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.totalTokens).toBe((result.usage.inputTokens ?? 0) + (result.usage.outputTokens ?? 0));
    const upstream = stack.mock.requests[0];
    expect(upstream?.path).toBe('/v1/chat/completions');
    expect(upstream?.headers.authorization).toBe(`Bearer ${UPSTREAM_OPENAI_KEY}`);
    const record = await stack.record(result.response.headers?.['x-request-id'] as string);
    expect(record).toMatchObject({ route: 'openai.chat', status: 200, stream: false, usage: { inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens } });
  });

  it('streamText on the chat model: the deltas add up to the echo, with usage', async () => {
    const result = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'stream this back', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Echo: stream this back');
    expect(await result.text).toBe('Echo: stream this back');
    const usage = await result.usage;
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(await result.finishReason).toBe('stop');
    // The SDK asked for the usage chunk itself, so the gateway forwarded it unchanged.
    expect(stack.mock.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('generateText and streamText on the default (Responses API) model', async () => {
    const result = await generateText({ model: openai('gpt-4o-mini'), prompt: 'respond please', maxRetries: 0 });
    expect(result.text).toBe('Echo: respond please');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(stack.mock.requests[0]?.path).toBe('/v1/responses');

    const streamed = streamText({ model: openai('gpt-4o-mini'), prompt: 'respond in pieces', maxRetries: 0 });
    expect(await streamed.text).toBe('Echo: respond in pieces');
    expect((await streamed.usage).outputTokens).toBeGreaterThan(0);
    expect(stack.mock.requests[1]).toMatchObject({ path: '/v1/responses', body: { stream: true } });
  });

  it('a content_filter block rejects generateText with APICallError 403 naming the rule; nothing reaches the upstream', async () => {
    const err = await rejection<unknown>(generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'my api_key is 12345', maxRetries: 0 }));
    expectPolicyBlock(err, 'no_api_keys');
    const apiError = err as APICallError;
    expect(apiError.responseBody).toContain('Pattern matched: api_key');
    expect(apiError.responseBody).not.toContain('12345');
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('a model_access block surfaces in streamText as an APICallError 403; nothing reaches the upstream', async () => {
    const err = await streamError(streamText({ model: openai.chat('gpt-5-pro'), prompt: 'hi', maxRetries: 0, onError: () => {} }));
    expectPolicyBlock(err, 'model_access');
    expect((err as APICallError).responseBody).toContain('gpt-5-pro');
    const onResponses = await rejection<unknown>(generateText({ model: openai('gpt-5-pro'), prompt: 'hi', maxRetries: 0 }));
    expectPolicyBlock(onResponses, 'model_access');
    expect(stack.mock.requests).toHaveLength(0);
  });
});

describe('gateway with the Vercel AI SDK, Anthropic provider', () => {
  it('generateText: echo, usage, and the upstream got the server key', async () => {
    const result = await generateText({ model: anthropic('claude-3-5-haiku-latest'), prompt: 'hello claude', maxOutputTokens: 64, maxRetries: 0 });
    expect(result.text).toBe('Echo: hello claude');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    const upstream = stack.mock.requests[0];
    expect(upstream?.path).toBe('/v1/messages');
    expect(upstream?.headers['x-api-key']).toBe(UPSTREAM_ANTHROPIC_KEY);
    expect(JSON.stringify(upstream?.headers)).not.toContain(DEV_KEY);
  });

  it('streamText: the deltas add up to the echo, with usage', async () => {
    const result = streamText({ model: anthropic('claude-sonnet-4-5'), prompt: 'stream from claude', maxOutputTokens: 64, maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Echo: stream from claude');
    const usage = await result.usage;
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(1);
    expect(stack.mock.requests[0]).toMatchObject({ path: '/v1/messages', body: { stream: true } });
  });

  it('a model_access block rejects generateText with APICallError 403 naming the rule; nothing reaches the upstream', async () => {
    const err = await rejection<unknown>(generateText({ model: anthropic('claude-opus-4-1'), prompt: 'hi', maxOutputTokens: 16, maxRetries: 0 }));
    expectPolicyBlock(err, 'model_access');
    expect(JSON.parse((err as APICallError).responseBody ?? '{}')).toMatchObject({ type: 'error', error: { type: 'permission_error', code: 'model_not_allowed' } });
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('a content_filter block surfaces in streamText as an APICallError 403; nothing reaches the upstream', async () => {
    const err = await streamError(streamText({ model: anthropic('claude-3-5-haiku-latest'), prompt: 'here is my api_key: abc', maxOutputTokens: 16, maxRetries: 0, onError: () => {} }));
    expectPolicyBlock(err, 'no_api_keys');
    expect((err as APICallError).responseBody).not.toContain('abc');
    expect(stack.mock.requests).toHaveLength(0);
  });
});
