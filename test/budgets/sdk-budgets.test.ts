// Budgets and limits in the in-process SDK (injected fetch: no network).
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createMemoryCounterStore, usdToMicros } from '../../src/counters/index.js';
import { PolicyViolationError, wrapAnthropic, wrapOpenAI } from '../../src/index.js';
import { fakeProvider } from '../sdk/fake-provider.js';

// One output token costs $0.01, input is free: max_tokens 1 reserves exactly $0.01, and the
// fake provider's replies (1 completion token) cost exactly $0.01.
const engineOptions = { priceOverrides: { 'gpt-4o-mini': { input_per_mtok: 0, output_per_mtok: 10_000 }, 'claude-haiku-4-5': { input_per_mtok: 0, output_per_mtok: 10_000 } } };
const hi = [{ role: 'user' as const, content: 'hi' }];

/** A fetch that answers chat completions with `toolCalls` tool calls, or a stream. */
function scriptedFetch(toolCalls: number, seen: Record<string, unknown>[] = []): typeof fetch {
  return (async (_input: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    seen.push(body);
    const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
    if (body.stream === true) {
      const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
      const events = [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'a' }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        ...((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage ? [{ ...base, choices: [], usage }] : []),
      ];
      const sse = `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('')}data: [DONE]\n\n`;
      return new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }
    const calls = Array.from({ length: toolCalls }, (_, i) => ({ id: `call_${i}`, type: 'function', function: { name: 'lookup', arguments: '{}' } }));
    const reply = {
      id: 'chatcmpl-s',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: calls.length ? 'tool_calls' : 'stop', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    };
    return new Response(JSON.stringify(reply), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
}

describe('SDK budgets', () => {
  it('max_session_usd stops a session once its spend would pass the cap (seed 000)', async () => {
    const provider = fakeProvider();
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', fetch: provider.fetch, maxRetries: 0 }), { engineOptions, sessionId: 'sess-1', enforcementConfig: { max_session_usd: 0.03 } });
    for (let i = 0; i < 3; i++) {
      const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1, messages: hi }).withResponse();
      expect(data.choices[0]?.message.content).toBe('ok');
      expect(response.status).toBe(200);
    }
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1, messages: hi }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolationError);
    expect(err).toMatchObject({ code: 'budget_exceeded', status: 429, ruleName: 'session_budget' });
    expect((err as PolicyViolationError).reason).toContain('budget of $0.03 in total for session:default/sess-1');
    expect(provider.calls).toHaveLength(3);
  });

  it('onDecision is told the final decision: the allow, then the budget refusal', async () => {
    const seen: string[] = [];
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', fetch: fakeProvider().fetch, maxRetries: 0 }), {
      engineOptions,
      sessionId: 'journaled',
      enforcementConfig: { max_session_usd: 0.01 },
      onDecision: (d) => seen.push(`${d.action}:${d.code ?? ''}`),
    });
    await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1, messages: hi });
    await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1, messages: hi }).catch(() => undefined);
    expect(seen).toEqual(['allow:', 'throttle:budget_exceeded']);
  });

  it('shares one store: two wrapped clients with the same session and counters share the budget', async () => {
    const counters = createMemoryCounterStore();
    const make = () => wrapOpenAI(new OpenAI({ apiKey: 'sk-test', fetch: fakeProvider().fetch, maxRetries: 0 }), { engineOptions, counters, sessionId: 's', enforcementConfig: { max_session_usd: 0.02 } });
    const [a, b] = [make(), make()];
    await a.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1, messages: hi });
    await b.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1, messages: hi });
    await expect(a.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 1, messages: hi })).rejects.toBeInstanceOf(PolicyViolationError);
    expect(await counters.usage(['budget:usd:session:default/s:total'], Date.now())).toEqual([usdToMicros(0.02, 'nearest')]);
  });

  it('the loop breaker counts tool calls from responses (OpenAI tool_calls)', async () => {
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', fetch: scriptedFetch(2), maxRetries: 0 }), { engineOptions, sessionId: 'agent', enforcementConfig: { max_tool_calls: 3 } });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'loop_detected', status: 403, ruleName: 'loop_breaker' });
    expect((err as PolicyViolationError).reason).toContain('made 4 tool calls, more than the ceiling of 3');
  });

  it('the loop breaker counts Anthropic tool_use blocks', async () => {
    const fetchToolUse = (async () =>
      new Response(
        JSON.stringify({ id: 'msg', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }, { type: 'tool_use', id: 't2', name: 'g', input: {} }], stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      )) as typeof fetch;
    const client = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test', fetch: fetchToolUse, maxRetries: 0 }), { engineOptions, sessionId: 'agent', enforcementConfig: { max_tool_calls: 1 } });
    await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: hi });
    await expect(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: hi })).rejects.toMatchObject({ code: 'loop_detected' });
  });

  it('a stream settles from its usage chunk, asked for on the caller\u2019s behalf and hidden from it', async () => {
    const counters = createMemoryCounterStore();
    const seen: Record<string, unknown>[] = [];
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', fetch: scriptedFetch(0, seen), maxRetries: 0 }), {
      engineOptions,
      counters,
      sessionId: 'streamer',
      policy: [{ policy_name: 'p', rules: [{ type: 'budget', scope: 'session', max_usd: 1 }, { type: 'loop_breaker', max_tool_calls: 10 }] }],
    });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 50, stream: true, messages: hi });
    // Reserved: the worst case of 50 output tokens.
    expect(await counters.usage(['budget:usd:session:default/streamer:total'], Date.now())).toEqual([usdToMicros(0.5, 'nearest')]);
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(seen[0]?.stream_options).toEqual({ include_usage: true });
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    // Settled: 3 completion tokens at $0.01, and the one tool call the stream made.
    expect(await counters.usage(['budget:usd:session:default/streamer:total', 'tools:tool_calls:session:default/streamer:total'], Date.now())).toEqual([usdToMicros(0.03, 'nearest'), 1]);
  });

  it('an Anthropic stream settles from message_start / message_delta usage and counts tool_use blocks', async () => {
    const counters = createMemoryCounterStore();
    const events: [string, unknown][] = [
      ['message_start', { type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', model: 'claude-haiku-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't1', name: 'f', input: {} } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 4 } }],
      ['message_stop', { type: 'message_stop' }],
    ];
    const sse = events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
    const fetchSse = (async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } })) as typeof fetch;
    const client = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test', fetch: fetchSse, maxRetries: 0 }), { engineOptions, counters, sessionId: 'a', enforcementConfig: { max_session_usd: 1, max_tool_calls: 10 } });
    const stream = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 20, stream: true, messages: hi });
    for await (const _event of stream) void _event;
    expect(await counters.usage(['budget:usd:session:default/a:total', 'tools:tool_calls:session:default/a:total'], Date.now())).toEqual([usdToMicros(0.04, 'nearest'), 1]);
  });

  it('a stream the caller stops early releases its reservation', async () => {
    const counters = createMemoryCounterStore();
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', fetch: scriptedFetch(0), maxRetries: 0 }), { engineOptions, counters, sessionId: 'quitter', enforcementConfig: { max_session_usd: 1 } });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 50, stream: true, messages: hi });
    for await (const _chunk of stream) break;
    expect(await counters.usage(['budget:usd:session:default/quitter:total'], Date.now())).toEqual([0]);
  });

  it('the dedup guard refuses an identical call and says when to retry', async () => {
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', fetch: fakeProvider().fetch, maxRetries: 0 }), { engineOptions, sessionId: 's', enforcementConfig: { dedup_ttl_seconds: 30 } });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi });
    const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'duplicate_request', status: 429, retryAfterSeconds: 30 });
    expect((err as PolicyViolationError).reason).toContain('it may be retried in 30 s');
  });
});
