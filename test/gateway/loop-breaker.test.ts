// The gateway counts the tool calls responses make (JSON and SSE, both wire formats) for
// loop_breaker rules, so an agent session is stopped at the gateway as it is in the SDK.
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compilePolicies } from '../../src/engine/engine.js';
import { rejection } from '../fixtures/rejection.js';
import { type Stack, startStack } from './harness.js';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack({ policies: compilePolicies([{ policy_name: 'agents', rules: [{ type: 'loop_breaker', max_tool_calls: 3 }] }]) });
  stack.mock.behavior = { toolCall: { name: 'search', arguments: { query: 'weather in Paris' } } };
});
afterEach(async () => {
  await stack.close();
});

const session = (id: string) => ({ headers: { 'x-warden-session-id': id } });
const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }];
const ask = (id: string) => stack.openai.chat.completions.create({ model: 'gpt-4o-mini', tools, messages: [{ role: 'user', content: 'plan my trip' }] }, session(id)).withResponse();

describe('loop_breaker at the gateway', () => {
  it('counts the tool calls of JSON and streamed responses, in both wire formats, and stops the session past the ceiling', async () => {
    // 1: OpenAI JSON.
    const first = await ask('agent-1');
    expect(first.data.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'search' } });
    expect((await stack.record(first.response.headers.get('x-request-id') as string)).toolCalls).toBe(1);

    // 2: OpenAI stream.
    const stream = await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', tools, stream: true, messages: [{ role: 'user', content: 'go on' }] }, session('agent-1')).withResponse();
    let streamedCalls = 0;
    for await (const chunk of stream.data) streamedCalls += chunk.choices[0]?.delta.tool_calls?.filter((t) => t.id).length ?? 0;
    expect(streamedCalls).toBe(1);
    expect((await stack.record(stream.response.headers.get('x-request-id') as string)).toolCalls).toBe(1);

    // 3: Anthropic stream, same session.
    const messages = stack.anthropic.messages.stream(
      { model: 'claude-3-5-haiku-latest', max_tokens: 100, tools: [{ name: 'search', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'and then?' }] },
      session('agent-1'),
    );
    const message = await messages.finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'tool_use', name: 'search', input: { query: 'weather in Paris' } });
    const { response } = await messages.withResponse();
    expect((await stack.record(response.headers.get('x-request-id') as string)).toolCalls).toBe(1);

    // 4: Anthropic JSON: the session has made 3 calls, at the ceiling; this one makes a 4th.
    const fourth = await stack.anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 100, messages: [{ role: 'user', content: 'more' }] }, session('agent-1')).withResponse();
    expect(fourth.data.stop_reason).toBe('tool_use');
    await stack.record(fourth.response.headers.get('x-request-id') as string);

    // 5: past the ceiling: refused before the provider, in the caller's format.
    const sent = stack.mock.requests.length;
    const err = await rejection(ask('agent-1'));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.message).toContain('made 4 tool calls, more than the ceiling of 3');
    expect(stack.mock.requests).toHaveLength(sent);

    // Another session is counted apart.
    expect((await ask('agent-2')).response.status).toBe(200);
  });

  it('counts nothing for answers without tool calls', async () => {
    stack.mock.behavior = {};
    for (let i = 0; i < 5; i++) {
      const { response } = await ask('chatty');
      expect((await stack.record(response.headers.get('x-request-id') as string)).toolCalls).toBeUndefined();
    }
  });
});
