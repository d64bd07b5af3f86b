import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compilePolicies } from '../../src/engine/engine.js';
import type { PolicySet } from '../../src/engine/policy-set.js';
import { type Stack, startStack } from './harness.js';
import { rejection } from '../fixtures/rejection.js';

const EMAIL = 'jane.roe@mail.example.com';
/** A PEM header: the mock streams it word by word, so it arrives split across SSE events. */
const PEM = '-----BEGIN RSA PRIVATE KEY-----';
const MODEL = 'gpt-4o-mini';
const CLAUDE = 'claude-3-5-haiku-latest';

let stack: Stack;
let policies: PolicySet;
const use = (rules: unknown[]) => {
  policies = compilePolicies([{ policy_name: 'guard', rules }]);
};

beforeAll(async () => {
  use([]);
  stack = await startStack({ policies: () => policies });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(() => {
  stack.mock.reset();
  // One SSE event per TCP write, so the split really happens on the wire.
  stack.mock.behavior = { chunkDelayMs: 2 };
});

const upstreamText = () => JSON.stringify(stack.mock.requests.map((r) => r.body));

describe('input rules at the gateway', () => {
  it('blocks PII before the upstream is reached, without echoing it', async () => {
    use([{ type: 'pii' }]);
    const err = await rejection<unknown>(stack.openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `mail ${EMAIL}` }] }));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const apiError = err as InstanceType<typeof OpenAI.PermissionDeniedError>;
    expect(apiError.code).toBe('pii_detected');
    expect(apiError.message).toContain('PII detected: EMAIL x1');
    expect(JSON.stringify(apiError.error)).not.toContain(EMAIL);
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('forwards a redaction and shows the placeholder in the reply', async () => {
    use([{ type: 'pii', action: 'redact' }]);
    const reply = await stack.openai.chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: `user is ${EMAIL}` }, { role: 'user', content: `mail ${EMAIL}` }] });
    expect(upstreamText()).toContain('[EMAIL_1]');
    expect(upstreamText()).not.toContain(EMAIL);
    expect(reply.choices[0]?.message.content).toBe('Echo: mail [EMAIL_1]');
  });

  it('restores placeholders in the reply with restore_in_response, JSON and streamed', async () => {
    use([{ type: 'pii', action: 'redact', restore_in_response: true }]);
    const reply = await stack.anthropic.messages.create({ model: CLAUDE, max_tokens: 50, messages: [{ role: 'user', content: `mail ${EMAIL} now` }] });
    expect(upstreamText()).not.toContain(EMAIL);
    expect(reply.content[0]).toMatchObject({ type: 'text', text: `Echo: mail ${EMAIL} now` });

    const stream = await stack.openai.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: `mail ${EMAIL} now` }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(`Echo: mail ${EMAIL} now`);
  });
});

describe('output rules on streams', () => {
  it('redacts a secret split across OpenAI chat chunks and records the chunks touched', async () => {
    use([{ type: 'secrets', action: 'redact', apply_to: ['output'] }]);
    const { data: stream, response } = await stack.openai.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: PEM }] }).withResponse();
    let text = '';
    let events = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      events++;
    }
    expect(text).toBe('Echo: [PRIVATE_KEY_1]');
    expect(events).toBeGreaterThan(3);
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.output).toMatchObject({ action: 'modify', restored: 0 });
    expect(record.output?.touched).toEqual([{ chunk: expect.any(Number), policy: 'guard', rule: 'secrets', action: 'redact', shadow: false, entity: 'PRIVATE_KEY', count: 1 }]);
    expect(JSON.stringify(record)).not.toContain('BEGIN RSA');
  });

  it('redacts a secret split across Anthropic text deltas', async () => {
    use([{ type: 'secrets', action: 'redact', apply_to: ['output'] }]);
    const stream = stack.anthropic.messages.stream({ model: CLAUDE, max_tokens: 50, messages: [{ role: 'user', content: PEM }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: [PRIVATE_KEY_1]');
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Echo: [PRIVATE_KEY_1]' });
  });

  it('redacts a Responses API stream, including the texts its done events repeat', async () => {
    use([{ type: 'secrets', action: 'redact', apply_to: ['input', 'output'] }, { type: 'pii', action: 'redact', apply_to: ['output'] }]);
    const stream = await stack.openai.responses.create({ model: MODEL, stream: true, input: `write to ${EMAIL}` });
    let text = '';
    let completed = '';
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = JSON.stringify(event.response);
    }
    expect(text).toBe('Echo: write to [EMAIL_1]');
    expect(completed).toContain('Echo: write to [EMAIL_1]');
    expect(completed).not.toContain(EMAIL);
  });

  it('ends an OpenAI stream with an error the SDK raises when an output rule blocks', async () => {
    use([{ type: 'secrets', apply_to: ['output'] }]);
    const stream = await stack.openai.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: PEM }] });
    let text = '';
    const err = await rejection<unknown>(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('Secret detected in the response: PRIVATE_KEY x1');
    expect(text).not.toContain('PRIVATE');
  });

  it('ends an Anthropic stream with an error event the SDK raises', async () => {
    use([{ type: 'secrets', apply_to: ['output'] }]);
    const stream = stack.anthropic.messages.stream({ model: CLAUDE, max_tokens: 50, messages: [{ role: 'user', content: PEM }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const err = await rejection<unknown>(stream.finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toContain('secret_detected');
    expect(text).not.toContain('PRIVATE');
  });
});

describe('output rules on JSON responses', () => {
  it('redacts the assistant text in the JSON body', async () => {
    use([{ type: 'secrets', action: 'redact', apply_to: ['output'] }]);
    const { data, response } = await stack.openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: PEM }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Echo: [PRIVATE_KEY_1]');
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.output?.touched).toEqual([{ chunk: 0, policy: 'guard', rule: 'secrets', action: 'redact', shadow: false, entity: 'PRIVATE_KEY', count: 1 }]);
    expect(record.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('answers a 403 in the caller format when an output rule blocks a JSON reply', async () => {
    use([{ type: 'secrets', apply_to: ['output'] }]);
    const err = await rejection<unknown>(stack.anthropic.messages.create({ model: CLAUDE, max_tokens: 50, messages: [{ role: 'user', content: PEM }] }));
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const body = JSON.stringify((err as InstanceType<typeof Anthropic.PermissionDeniedError>).error);
    expect(body).toContain('secret_detected');
    expect(body).toContain('"stage":"output"');
    expect(body).not.toContain('BEGIN RSA');
  });

  it('in a monitor policy records the output finding and changes nothing', async () => {
    policies = compilePolicies([{ policy_name: 'trial', mode: 'monitor', rules: [{ type: 'secrets', apply_to: ['output'] }] }]);
    const { data, response } = await stack.openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: PEM }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe(`Echo: ${PEM}`);
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.output).toMatchObject({ action: 'allow', touched: [{ rule: 'secrets', action: 'block', shadow: true, entity: 'PRIVATE_KEY', count: 1 }] });
  });

  it('leaves responses alone when no rule checks output', async () => {
    use([{ type: 'secrets' }]);
    const { response } = await stack.openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.output).toBeUndefined();
  });
});
