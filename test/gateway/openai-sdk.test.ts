import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_KEY, type Stack, UPSTREAM_OPENAI_KEY, startStack } from './harness.js';
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

describe('gateway with the official openai SDK', () => {
  it('relays an allowed chat completion and reports its usage and cost', async () => {
    const { data, response } = await stack.openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Echo: hello there');
    expect(data.object).toBe('chat.completion');
    const requestId = response.headers.get('x-request-id') as string;
    expect(requestId).toMatch(/^req_[0-9a-f]{24}$/);
    expect(response.headers.get('ratelimit-limit')).toBe('100');

    const upstream = stack.mock.requests[0];
    expect(upstream?.path).toBe('/v1/chat/completions');
    expect(upstream?.headers.authorization).toBe(`Bearer ${UPSTREAM_OPENAI_KEY}`);
    expect(JSON.stringify(upstream?.headers)).not.toContain(DEV_KEY);

    const record = await stack.record(requestId);
    expect(record).toMatchObject({ route: 'openai.chat', status: 200, model: 'gpt-4o-mini', stream: false, clientAborted: false });
    expect(record.tenant).toMatchObject({ org: 'acme', keyId: 'key_dev' });
    expect(record.decision?.action).toBe('allow');
    expect(record.usage).toEqual({ inputTokens: data.usage?.prompt_tokens, outputTokens: data.usage?.completion_tokens });
    expect(record.costUsd).toBeGreaterThan(0);
  });

  it('blocks a model outside the allowlist with PermissionDeniedError, and the upstream receives nothing', async () => {
    const err = await rejection<unknown>(stack.openai.chat.completions.create({ model: 'gpt-5-pro', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const apiError = err as InstanceType<typeof OpenAI.PermissionDeniedError>;
    expect(apiError.status).toBe(403);
    expect(apiError.code).toBe('model_not_allowed');
    expect(apiError.type).toBe('permission_error');
    expect(apiError.message).toContain('gpt-5-pro');
    const warden = (apiError.error as { warden: Record<string, unknown> }).warden;
    expect(warden).toMatchObject({ decision: 'block', policy: 'dev_team_restrictions', rule: 'model_access', user: 'dev@acme.com', environment: 'development', code: 'model_not_allowed' });
    expect(warden.request_id).toBe(apiError.headers?.get('x-request-id'));
    expect(typeof warden.timestamp).toBe('string');
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('blocks a content_filter match without echoing anything but the pattern', async () => {
    const err = await rejection<unknown>(stack.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my api_key is 12345' }] }));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const body = (err as InstanceType<typeof OpenAI.APIError>).error as { warden: Record<string, unknown> };
    expect(body.warden).toMatchObject({ rule: 'no_api_keys', reason: 'Pattern matched: api_key' });
    expect(JSON.stringify(body)).not.toContain('12345');
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('answers an escalation with approval_required (403) until approvals exist', async () => {
    const err = await rejection<unknown>(stack.openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'big job' }] }));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('approval_required');
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('streams chunk by chunk, hides the usage chunk it asked for, and records the usage', async () => {
    const { data: stream, response } = await stack.openai.chat.completions
      .create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream this please' }] })
      .withResponse();
    const pieces: string[] = [];
    let sawUsage = false;
    for await (const chunk of stream) {
      if (chunk.usage) sawUsage = true;
      pieces.push(chunk.choices[0]?.delta.content ?? '');
    }
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe('Echo: stream this please');
    expect(sawUsage).toBe(false);
    const sent = stack.mock.requests[0]?.body as { stream_options?: { include_usage?: boolean } };
    expect(sent.stream_options?.include_usage).toBe(true);
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.stream).toBe(true);
    expect(record.usage?.outputTokens).toBeGreaterThan(0);
    expect(record.costUsd).toBeGreaterThan(0);
  });

  it('keeps the usage chunk when the client asked for it', async () => {
    const stream = await stack.openai.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count me' }],
    });
    let usage: unknown;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it('forwards the downgraded model and says so in x-warden-modified', async () => {
    const { data, response } = await stack.openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'cheap please' }] }, { headers: { 'x-warden-labels': '{"tier":"cheap"}' } })
      .withResponse();
    expect(response.headers.get('x-warden-modified')).toBe('model=gpt-4o-mini');
    expect(data.model).toBe('gpt-4o-mini');
    expect(stack.mock.requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini' });
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.model).toBe('gpt-4o-mini');
    expect(record.decision?.action).toBe('modify');
  });

  it('never lets redacted text reach the upstream', async () => {
    const { response } = await stack.openai.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'codes: SECRET-111' },
          { role: 'user', content: [{ type: 'text', text: 'use SECRET-222 and SECRET-333' }] },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-warden-modified')).toBe('redactions=3');
    const sent = JSON.stringify(stack.mock.requests[0]?.body);
    expect(sent).not.toMatch(/SECRET-\d/);
    expect(sent).toContain('[REDACTED]');
  });

  it('relays the Responses API, JSON and streamed, with usage', async () => {
    const { data, response } = await stack.openai.responses.create({ model: 'gpt-4o-mini', input: 'respond' }).withResponse();
    expect(data.output_text).toBe('Echo: respond');
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.usage?.inputTokens).toBe(data.usage?.input_tokens);

    const { data: stream, response: streamed } = await stack.openai.responses.create({ model: 'gpt-4o-mini', input: 'respond as a stream', stream: true }).withResponse();
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe('Echo: respond as a stream');
    const streamedRecord = await stack.record(streamed.headers.get('x-request-id') as string);
    expect(streamedRecord.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('relays embeddings (base64, the SDK default) and lists models', async () => {
    const { data, response } = await stack.openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]?.embedding).toHaveLength(8);
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.usage).toEqual({ inputTokens: 2, outputTokens: 0 });

    const models = await stack.openai.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
  });

  it('raises AuthenticationError for a wrong or missing key', async () => {
    const wrong = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'wk_not_a_key', maxRetries: 0 });
    const err = await rejection<unknown>(wrong.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(JSON.stringify((err as InstanceType<typeof OpenAI.APIError>).error)).not.toContain('wk_not_a_key');
    const missing = await fetch(`${stack.gateway.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('x-request-id')).toMatch(/^req_/);
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('raises BadRequestError with the param for a wrong type', async () => {
    const err = await rejection<unknown>(stack.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: 'hello' as never }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('messages');
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('passes an upstream error through in the wire format', async () => {
    stack.mock.behavior = { failStatus: 500 };
    const err = await rejection<unknown>(stack.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('mock upstream failure 500');
  });
});
