// Cross-provider failover: a chat call that its own provider cannot serve goes to the other
// provider, translated both ways, and the official clients cannot tell the difference.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { FailoverOptions } from '../../src/gateway/failover.js';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';
import { type Stack, startStack } from './harness.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** The stack's own mock serves both defaults (and fails); `other` is the fallback provider. */
async function setup(format: 'openai' | 'anthropic', routing: FailoverOptions['routing']): Promise<{ stack: Stack; other: MockUpstream }> {
  const other = await startMockUpstream();
  open.push(other);
  const baseUrl = format === 'openai' ? `${other.url}/v1` : other.url;
  const stack = await startStack({
    failover: {
      upstreams: { other: { format, baseUrl, apiKey: `key-of-other-${format}` } },
      routing,
      retry: { retriesPerUpstream: 0 },
      sleep: async () => undefined,
    },
  });
  open.push(stack);
  stack.mock.behavior = { failStatus: 503 };
  return { stack, other };
}

const toClaude = { 'gpt-4o-mini': [{ upstream: 'other', model: 'claude-3-5-haiku-latest' }] };
const toGpt = { 'claude-3-5-haiku-latest': [{ upstream: 'other', model: 'gpt-4o-mini' }] };

describe('cross-provider failover: OpenAI client, Anthropic fallback', () => {
  it('answers a chat completion from Anthropic, translated, and bills it at Anthropic prices', async () => {
    const { stack, other } = await setup('anthropic', toClaude);
    const { data, response } = await stack.openai.chat.completions
      .create({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('claude-3-5-haiku-latest');
    expect(data.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Echo: hello there' });
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-warden-upstream')).toBe('other');

    // The fallback received a real Messages call with the upstream's own credentials.
    expect(other.requests).toHaveLength(1);
    const sent = other.requests[0];
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe('key-of-other-anthropic');
    expect(sent?.headers['anthropic-version']).toBeDefined();
    expect(sent?.headers.authorization).toBeUndefined();
    expect(sent?.body).toMatchObject({ model: 'claude-3-5-haiku-latest', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user' }] });

    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.attempts).toEqual([
      { upstream: 'openai', model: 'gpt-4o-mini', status: 503, error: 'http_503', durationMs: expect.any(Number) },
      { upstream: 'other', model: 'claude-3-5-haiku-latest', translated: 'openai->anthropic', status: 200, durationMs: expect.any(Number) },
    ]);
    expect(record.model).toBe('claude-3-5-haiku-latest');
    expect(record.usage?.inputTokens).toBe(data.usage?.prompt_tokens);
    expect(record.costUsd).toBeGreaterThan(0);
  });

  it('streams the translated answer, with usage only when the caller asked for it', async () => {
    const { stack, other } = await setup('anthropic', toClaude);
    const stream = await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream me please' }] });
    let text = '';
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Echo: stream me please');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    // Warden asked for usage on the caller's behalf; the caller does not see that chunk.
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(other.requests[0]?.body).toMatchObject({ stream: true });
    expect(other.requests[0]?.body).not.toHaveProperty('stream_options');

    const withUsage = await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'and count it' }] }).withResponse();
    const seen: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of withUsage.data) seen.push(chunk);
    const usage = seen.find((c) => c.usage)?.usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    const record = await stack.record(withUsage.response.headers.get('x-request-id') as string);
    expect(record.usage).toMatchObject({ inputTokens: usage?.prompt_tokens, outputTokens: usage?.completion_tokens });
  });

  it("relays the fallback provider's error in the caller's format when it fails too", async () => {
    const { stack, other } = await setup('anthropic', toClaude);
    other.behavior = { failStatus: 429 };
    const err = await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: expect.any(String), message: expect.any(String) });
  });

  it('skips the fallback for a request the other provider cannot carry, and says so', async () => {
    const { stack, other } = await setup('anthropic', toClaude);
    const { response } = await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', n: 2, messages: [{ role: 'user', content: 'two answers' }] }).withResponse().catch((e: { headers?: Headers }) => ({ response: { headers: e.headers as Headers } }));
    expect(other.requests).toHaveLength(0);
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.attempts?.map((a) => a.error)).toEqual(['http_503', 'untranslatable']);
  });
});

describe('cross-provider failover: Anthropic client, OpenAI fallback', () => {
  it('answers a message from OpenAI, translated', async () => {
    const { stack, other } = await setup('openai', toGpt);
    const { data, response } = await stack.anthropic.messages
      .create({ model: 'claude-3-5-haiku-latest', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hello claude' }] })
      .withResponse();
    expect(data).toMatchObject({ type: 'message', role: 'assistant', model: 'gpt-4o-mini', stop_reason: 'end_turn' });
    expect(data.content).toEqual([{ type: 'text', text: 'Echo: hello claude' }]);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    const sent = other.requests[0];
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe('Bearer key-of-other-openai');
    expect(sent?.headers['x-api-key']).toBeUndefined();
    expect(sent?.body).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: 100, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user' }] });
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.attempts?.at(-1)).toMatchObject({ upstream: 'other', translated: 'anthropic->openai', status: 200 });
    expect(record.costUsd).toBeGreaterThan(0);
  });

  it("streams the translated answer through the Anthropic client's stream helper", async () => {
    const { stack } = await setup('openai', toGpt);
    const stream = stack.anthropic.messages.stream({ model: 'claude-3-5-haiku-latest', max_tokens: 100, messages: [{ role: 'user', content: 'stream from gpt' }] });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const message = await stream.finalMessage();
    expect(text).toBe('Echo: stream from gpt');
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Echo: stream from gpt' });
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('does not translate to a fallback of the other provider that names no model', async () => {
    const { stack, other } = await setup('openai', { 'claude-3-5-haiku-latest': [{ upstream: 'other' }] });
    const err = await stack.anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(other.requests).toHaveLength(0);
  });
});
