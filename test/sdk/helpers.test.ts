// The official clients' helpers (parse, stream, runTools, ...) are built on `create`: through
// the wrapper they are checked like `create` itself, budgets included. Against the mock
// upstream, which speaks both wire formats in JSON and SSE.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';
import { PolicyEngine, PolicyViolationError, RestrictModelRule, wrapAnthropic, wrapOpenAI } from '../../src/index.js';
import type { WardenOptions } from '../../src/sdk/wrap.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => mock.reset());

const hi = [{ role: 'user' as const, content: 'hi' }];
const policy = () => new PolicyEngine({ rules: [new RestrictModelRule({ disallowedModels: ['gpt-4o', 'claude-opus-4-1'] })] });
// Each call reserves and costs well under a cent; a session cap of $1 never refuses, but it
// makes every call carry a claim, so the metered path (reserve, send, settle) is the one tested.
const budgeted = (): WardenOptions => ({
  policy: policy(),
  sessionId: 'helpers',
  enforcementConfig: { max_session_usd: 1 },
  engineOptions: { priceOverrides: { 'gpt-4o-mini': { input_per_mtok: 1, output_per_mtok: 1 }, 'claude-haiku-4-5': { input_per_mtok: 1, output_per_mtok: 1 } } },
});
const openai = (options: WardenOptions) => wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 }), options);
const anthropic = (options: WardenOptions) => wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 }), options);

/** The refusal of a call: the PolicyViolationError, as is or (stream helpers) as the cause of the SDK's own error. */
async function refusal(promise: Promise<unknown>, wrapped = false): Promise<PolicyViolationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  // The clients' stream runners report any error as their own error class, the original as its cause.
  const violation = wrapped ? (err as { cause?: unknown }).cause : err;
  expect(violation).toBeInstanceOf(PolicyViolationError);
  if (wrapped) expect((err as Error).message).toBe((violation as Error).message);
  return violation as PolicyViolationError;
}

/** Each helper runs twice: as the client's own call, and through the metered path (budgets). */
const modes: [string, () => WardenOptions][] = [
  ['without budgets', () => ({ policy: policy() })],
  ['with a session budget', budgeted],
];

describe.each(modes)('OpenAI helpers %s', (_name, options) => {
  it('refuses parse, stream, runTools, responses.parse and responses.stream before the network', async () => {
    const client = openai(options());
    const blocked = { model: 'gpt-4o', messages: hi };
    expect((await refusal(client.chat.completions.parse(blocked))).ruleName).toBe('restrict_model');
    await refusal(client.chat.completions.stream(blocked).finalChatCompletion(), true);
    await refusal(client.chat.completions.runTools({ ...blocked, tools: [] }).finalChatCompletion(), true);
    await refusal(client.responses.parse({ model: 'gpt-4o', input: 'hi' }));
    await refusal(client.responses.stream({ model: 'gpt-4o', input: 'hi' }).finalResponse(), true);
    expect(mock.requests).toHaveLength(0);
  });

  it('passes allowed helper calls through: parse, stream and responses.stream give the provider reply', async () => {
    const client = openai(options());
    const parsed = await client.chat.completions.parse({ model: 'gpt-4o-mini', messages: hi });
    expect(parsed.choices[0]?.message.content).toBeTruthy();
    const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream this' }] });
    let text = '';
    stream.on('content', (delta) => {
      text += delta;
    });
    const final = await stream.finalChatCompletion();
    expect(text).toBe(final.choices[0]?.message.content);
    expect(text.length).toBeGreaterThan(0);
    const response = await client.responses.stream({ model: 'gpt-4o-mini', input: 'hello' }).finalResponse();
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(mock.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/responses']);
  });

  it('keeps the client itself: its class, its constructor, its own methods running on it', () => {
    const raw = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const client = wrapOpenAI(raw, options());
    expect(client).toBeInstanceOf(OpenAI);
    expect(client.constructor).toBe(OpenAI);
    // A method that reads the client's private state works through the wrapper.
    expect(client.buildURL('/models', {})).toBe(raw.buildURL('/models', {}));
  });

  it('keeps enforcing on a client made by withOptions', async () => {
    const client = openai(options()).withOptions({ timeout: 5_000 });
    await refusal(client.chat.completions.create({ model: 'gpt-4o', messages: hi }));
    expect(mock.requests).toHaveLength(0);
    const reply = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    expect(reply.choices[0]?.message.content).toBeTruthy();
  });
});

describe.each(modes)('Anthropic helpers %s', (_name, options) => {
  it('refuses messages.stream as the stream error, and beta.messages.create, before the network', async () => {
    const client = anthropic(options());
    const blocked = { model: 'claude-opus-4-1', max_tokens: 50, messages: hi };
    const stream = client.messages.stream(blocked);
    expect((await refusal(stream.finalMessage(), true)).ruleName).toBe('restrict_model');
    await refusal(client.beta.messages.create(blocked));
    await refusal(client.beta.messages.stream(blocked).finalMessage(), true);
    expect(mock.requests).toHaveLength(0);
  });

  it('streams an allowed call through messages.stream, a MessageStream with its events', async () => {
    const client = anthropic(options());
    const stream = client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'stream this' }] });
    let text = '';
    stream.on('text', (delta) => {
      text += delta;
    });
    const message = await stream.finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text', text });
    expect(text.length).toBeGreaterThan(0);
    expect(mock.requests).toHaveLength(1);
  });
});
