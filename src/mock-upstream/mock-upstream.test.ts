import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from './index.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock.close();
});

describe('mock upstream', () => {
  it('speaks OpenAI chat: JSON, and SSE with the usage chunk only when asked', async () => {
    const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping' }] });
    expect(reply).toMatchObject({ object: 'chat.completion', choices: [{ finish_reason: 'stop', message: { content: 'Echo: ping' } }], usage: { prompt_tokens: 1 } });
    const chunks = [];
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'ping' }] })) chunks.push(chunk);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    const plain = [];
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'ping' }] })) plain.push(chunk);
    expect(plain.every((c) => c.usage === undefined)).toBe(true);
    expect(mock.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/chat/completions']);
  });

  it('speaks Anthropic messages with event lines, and fails on demand', async () => {
    const client = new Anthropic({ baseURL: mock.url, apiKey: 'x', maxRetries: 0 });
    const message = await client.messages.stream({ model: 'claude-3-5-haiku-latest', max_tokens: 10, messages: [{ role: 'user', content: 'pong' }] }).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: pong' }]);
    expect(message.usage.output_tokens).toBeGreaterThan(1);
    mock.behavior = { failStatus: 529 };
    await expect(client.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 529 });
    mock.reset();
    expect(mock.requests).toHaveLength(0);
  });

  it('answers with replyText (a string, or a function of the body that may fall back to the echo), streamed or not', async () => {
    const openai = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'x', maxRetries: 0 });
    mock.behavior = { replyText: 'BENIGN' };
    const reply = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ping' }] });
    expect(reply.choices[0]?.message.content).toBe('BENIGN');
    const response = await openai.responses.create({ model: 'm', input: 'ping' });
    expect(response.output_text).toBe('BENIGN');
    mock.behavior = { replyText: (body) => (body.model === 'judge' ? 'INJECTION' : undefined) };
    const streamed = await new Anthropic({ baseURL: mock.url, apiKey: 'x', maxRetries: 0 }).messages.stream({ model: 'judge', max_tokens: 10, messages: [{ role: 'user', content: 'pong' }] }).finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: 'INJECTION' }]);
    const echoed = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ping' }] });
    expect(echoed.choices[0]?.message.content).toBe('Echo: ping');
    mock.reset();
  });
});
