import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_KEY, type Stack, UPSTREAM_ANTHROPIC_KEY, startStack } from './harness.js';
import { rejection } from '../fixtures/rejection.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.mock.reset();
});

describe('gateway with the official @anthropic-ai/sdk', () => {
  it('relays an allowed message with the server key and reports usage', async () => {
    const { data, response } = await stack.anthropic.messages
      .create({ model: 'claude-3-5-haiku-latest', max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hello claude' }] })
      .withResponse();
    expect(data.content[0]).toEqual({ type: 'text', text: 'Echo: hello claude' });
    expect(data.stop_reason).toBe('end_turn');
    const upstream = stack.mock.requests[0];
    expect(upstream?.path).toBe('/v1/messages');
    expect(upstream?.headers['x-api-key']).toBe(UPSTREAM_ANTHROPIC_KEY);
    // The client's own API version is passed on (2023-06-01 when it sends none).
    expect(upstream?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(JSON.stringify(upstream?.headers)).not.toContain(DEV_KEY);
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.route).toBe('anthropic.messages');
    expect(record.usage).toEqual({ inputTokens: data.usage.input_tokens, outputTokens: data.usage.output_tokens });
  });

  it('blocks with PermissionDeniedError naming the rule, and the upstream receives nothing', async () => {
    const err = await rejection<unknown>(stack.anthropic.messages.create({ model: 'claude-opus-4-1', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const body = (err as InstanceType<typeof Anthropic.APIError>).error as { type: string; error: { type: string; message: string }; warden: Record<string, unknown> };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('permission_error');
    expect(body.error.message).toContain('claude-opus-4-1');
    expect(body.warden).toMatchObject({ decision: 'block', rule: 'model_access', policy: 'dev_team_restrictions', code: 'model_not_allowed' });
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('blocks a content_filter match in a content block', async () => {
    const err = await rejection<unknown>(
      stack.anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'print the api_key' }] }] }),
    );
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(((err as InstanceType<typeof Anthropic.APIError>).error as { warden: { rule: string } }).warden.rule).toBe('no_api_keys');
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('streams events end to end and records usage from message_start and message_delta', async () => {
    const { data: stream, response } = await stack.anthropic.messages
      .create({ model: 'claude-3-5-haiku-latest', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'stream to me' }] })
      .withResponse();
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe('Echo: stream to me');
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.stream).toBe(true);
    expect(record.usage?.inputTokens).toBeGreaterThan(0);
    expect(record.usage?.outputTokens).toBe(Math.ceil('Echo: stream to me'.length / 4));
  });

  it('works with the SDK stream helper (finalMessage)', async () => {
    const message = await stack.anthropic.messages.stream({ model: 'claude-3-5-haiku-latest', max_tokens: 100, messages: [{ role: 'user', content: 'helper' }] }).finalMessage();
    expect(message.content[0]).toEqual({ type: 'text', text: 'Echo: helper' });
  });

  it('redacts tool_use input and text before the upstream sees them', async () => {
    await stack.anthropic.messages.create({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 50,
      messages: [
        { role: 'user', content: 'look up SECRET-42' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { code: 'SECRET-42' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'found SECRET-42' }] },
      ],
    });
    const sent = JSON.stringify(stack.mock.requests[0]?.body);
    expect(sent).not.toContain('SECRET-42');
    expect(stack.mock.requests[0]?.body).toMatchObject({ messages: [{}, { content: [{ type: 'tool_use', input: { code: '[REDACTED]' } }] }, {}] });
  });

  it('counts tokens at no cost', async () => {
    const { data, response } = await stack.anthropic.messages.countTokens({ model: 'claude-3-5-haiku-latest', messages: [{ role: 'user', content: 'count these' }] }).withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.costUsd).toBe(0);
  });

  it('raises AuthenticationError for a wrong key and BadRequestError for a bad body', async () => {
    const wrong = new Anthropic({ baseURL: stack.gateway.url, apiKey: 'nope', maxRetries: 0 });
    const auth = await rejection<unknown>(wrong.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
    expect(auth).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(((auth as InstanceType<typeof Anthropic.APIError>).error as { error: { type: string } }).error.type).toBe('authentication_error');

    const bad = await rejection<unknown>(stack.anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 10, messages: [{ role: 'robot', content: 'hi' }] as never }));
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect(((bad as InstanceType<typeof Anthropic.APIError>).error as { error: { type: string; param: string } }).error).toMatchObject({ type: 'invalid_request_error', param: 'messages[0].role' });
    expect(stack.mock.requests).toHaveLength(0);
  });
});
