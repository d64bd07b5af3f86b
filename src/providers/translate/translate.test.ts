import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { messages as anthropicMockMessages } from '../../mock-upstream/anthropic-mock.js';
import { chatCompletions as openAiMockChat } from '../../mock-upstream/openai-mock.js';
import type { MockReply } from '../../mock-upstream/types.js';
import { anthropicToOpenAi, openAiToAnthropic, translation, TranslationError } from './index.js';
import type { Translation } from './index.js';

type Json = Record<string, unknown>;

// ---- Helpers ----

interface Captured {
  status: number;
  json: Json;
  sse: string;
}

/** Runs a mock-upstream handler and captures what it would have sent. */
function capture(run: (reply: MockReply) => void): Captured {
  const out: Captured = { status: 0, json: {}, sse: '' };
  run({
    json: (status, body) => Object.assign(out, { status, json: body as Json }),
    sse: (events) => Object.assign(out, { status: 200, sse: events.join('') }),
  });
  return out;
}

interface Sse {
  event: string | undefined;
  data: string;
}

/** Splits raw SSE text into events, as the gateway's splitter does. */
function splitSse(text: string): Sse[] {
  return text
    .split(/\n\n/)
    .filter((raw) => raw.trim())
    .map((raw) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of raw.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: data.join('\n') };
    });
}

/** Feeds a whole upstream SSE text through a fresh stream translator, then `end()`. */
function translateStream(t: Translation, upstream: string): string {
  const stream = t.stream();
  let out = '';
  for (const e of splitSse(upstream)) out += stream.event(e.event, e.data);
  return out + stream.end();
}

function dataOf(text: string): unknown[] {
  return splitSse(text).map((e) => (e.data === '[DONE]' ? '[DONE]' : (JSON.parse(e.data) as unknown)));
}

function anthropicEvent(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function openAiChunk(data: Json): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', ...data })}\n\n`;
}

function refusal(run: () => unknown): TranslationError {
  try {
    run();
  } catch (err) {
    if (err instanceof TranslationError) return err;
    throw err;
  }
  throw new Error('expected a TranslationError');
}

function sseResponse(text: string): Response {
  return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** An official OpenAI client whose every request is answered with `response`. */
function openAiClient(response: () => Response): OpenAI {
  return new OpenAI({ apiKey: 'sk-test', baseURL: 'http://gateway.test/v1', maxRetries: 0, fetch: async () => response() });
}

/** An official Anthropic client whose every request is answered with `response`. */
function anthropicClient(response: () => Response): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-test', baseURL: 'http://gateway.test', maxRetries: 0, fetch: async () => response() });
}

describe('translation()', () => {
  it('gives one translation per direction and none for the same format', () => {
    expect(translation('openai', 'openai')).toBeUndefined();
    expect(translation('anthropic', 'anthropic')).toBeUndefined();
    expect(translation('openai', 'anthropic')).toBe(openAiToAnthropic);
    expect(translation('anthropic', 'openai')).toBe(anthropicToOpenAi);
    expect(openAiToAnthropic.target).toBe('anthropic');
    expect(anthropicToOpenAi.target).toBe('openai');
  });
});

// ======================================================================================
describe('OpenAI client, Anthropic upstream', () => {
  const t = openAiToAnthropic;

  describe('request', () => {
    it('translates a plain text call, defaulting max_tokens', () => {
      expect(t.request({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }, 'claude-sonnet-4-5')).toEqual({
        model: 'claude-sonnet-4-5',
        max_tokens: 4096,
        messages: [{ role: 'user', content: 'Hi' }],
      });
    });

    it('moves system and developer messages to `system` and maps the options', () => {
      const body = {
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hello' },
        ],
        max_completion_tokens: 200,
        max_tokens: 999,
        temperature: 1.5,
        top_p: 0.9,
        stop: 'END',
        stream: true,
        stream_options: { include_usage: true },
        n: 1,
        response_format: { type: 'text' },
        seed: 7,
        user: 'user-42',
      };
      expect(t.request(body, 'claude-x')).toEqual({
        model: 'claude-x',
        max_tokens: 200,
        system: 'Be brief.\n\nAnswer in French.',
        messages: [{ role: 'user', content: 'Hello' }],
        temperature: 1,
        top_p: 0.9,
        stop_sequences: ['END'],
        metadata: { user_id: 'user-42' },
        stream: true,
      });
      expect(t.request({ messages: [{ role: 'user', content: 'x' }], max_tokens: 50, stop: ['a', 'b'] }, 'c')).toMatchObject({ max_tokens: 50, stop_sequences: ['a', 'b'] });
    });

    it('translates a multi-turn tool conversation, merging same-role turns', () => {
      const body = {
        model: 'gpt-4o',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather here and there?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
              { type: 'image_url', image_url: { url: 'https://example.com/map.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'Snow' }] },
          { role: 'user', content: 'Thanks. And tomorrow?' },
          { role: 'user', content: 'Be short.' },
        ],
        tools: [
          { type: 'function', function: { name: 'weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
          { type: 'function', function: { name: 'now' } },
        ],
        tool_choice: { type: 'function', function: { name: 'weather' } },
        parallel_tool_calls: false,
      };
      const before = structuredClone(body);
      expect(t.request(body, 'claude-x')).toEqual({
        model: 'claude-x',
        max_tokens: 4096,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather here and there?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/map.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Oslo' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny' },
              { type: 'tool_result', tool_use_id: 'call_2', content: 'Snow' },
              { type: 'text', text: 'Thanks. And tomorrow?' },
              { type: 'text', text: 'Be short.' },
            ],
          },
        ],
        tools: [
          { name: 'weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
          { name: 'now', input_schema: { type: 'object', properties: {} } },
        ],
        tool_choice: { type: 'tool', name: 'weather', disable_parallel_tool_use: true },
      });
      expect(body).toEqual(before);
    });

    it('maps tool_choice and takes assistant tool calls without content', () => {
      const base = { messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] };
      const choice = (tool_choice: unknown) => t.request({ ...base, tool_choice }, 'c').tool_choice;
      expect(choice('auto')).toEqual({ type: 'auto' });
      expect(choice('required')).toEqual({ type: 'any' });
      expect(choice('none')).toEqual({ type: 'none' });
      expect(choice(undefined)).toBeUndefined();
      expect(t.request({ ...base, parallel_tool_calls: false }, 'c').tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
      const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '' } }] };
      expect(t.request({ messages: [{ role: 'user', content: 'x' }, call] }, 'c').messages).toEqual([
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'f', input: {} }] },
      ]);
    });

    it('refuses what Anthropic cannot carry, naming what and where', () => {
      const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
      const audio = refusal(() => t.request(user([{ type: 'text', text: 'hi' }, { type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }]), 'c'));
      expect(audio.path).toBe('messages[0].content[1]');
      expect(audio.message).toBe('messages[0].content[1]: input_audio parts cannot be sent to Anthropic');
      expect(refusal(() => t.request(user([{ type: 'file', file: { file_id: 'f' } }]), 'c')).path).toBe('messages[0].content[0]');
      expect(refusal(() => t.request(user([{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AAA' } }]), 'c')).message).toContain('image/bmp');
      expect(refusal(() => t.request({ ...user('x'), n: 2 }, 'c')).path).toBe('n');
      expect(refusal(() => t.request({ ...user('x'), logprobs: true }, 'c')).path).toBe('logprobs');
      expect(refusal(() => t.request({ ...user('x'), response_format: { type: 'json_schema', json_schema: { name: 's', schema: {} } } }, 'c')).message).toBe(
        'response_format: response_format json_schema cannot be served by Anthropic',
      );
      expect(refusal(() => t.request({ ...user('x'), tools: [{ type: 'custom', custom: { name: 'g' } }] }, 'c')).path).toBe('tools[0]');
      expect(refusal(() => t.request({ messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'c')).path).toBe('messages[0].role');
      const badArgs = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":' } }] };
      const args = refusal(() => t.request({ messages: [{ role: 'user', content: 'x' }, badArgs] }, 'c'));
      expect(args.path).toBe('messages[1].tool_calls[0].function.arguments');
      expect(args.message).toBe('messages[1].tool_calls[0].function.arguments: tool call arguments are not valid JSON');
      expect(refusal(() => t.request({ model: 'm' }, 'c')).path).toBe('messages');
    });
  });

  describe('json', () => {
    it('translates a text message from the mock upstream, and the OpenAI SDK reads it', async () => {
      const upstream = capture((reply) => anthropicMockMessages({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hello there' }] }, 1, reply)).json;
      const out = t.json(upstream);
      expect(out).toEqual({
        id: 'msg_mock000001',
        object: 'chat.completion',
        created: expect.any(Number),
        model: 'claude-x',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: hello there', refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, prompt_tokens_details: { cached_tokens: 0 } },
      });
      const completion = await openAiClient(() => jsonResponse(200, out)).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }] });
      expect(completion.choices[0]?.message.content).toBe('Echo: hello there');
      expect(completion.usage?.total_tokens).toBe(8);
    });

    it('translates tool calls, stop reasons and cache usage', () => {
      const out = t.json({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Let me ' },
          { type: 'text', text: 'check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 7 },
      });
      expect(out.choices).toEqual([
        {
          index: 0,
          message: { role: 'assistant', content: 'Let me check.', refusal: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ]);
      expect(out.usage).toEqual({ prompt_tokens: 115, completion_tokens: 7, total_tokens: 122, prompt_tokens_details: { cached_tokens: 100 } });
      const finish = (stop_reason: string) => (t.json({ content: [], stop_reason, usage: {} }).choices as Json[])[0]?.finish_reason;
      expect(finish('end_turn')).toBe('stop');
      expect(finish('stop_sequence')).toBe('stop');
      expect(finish('max_tokens')).toBe('length');
      expect(finish('refusal')).toBe('content_filter');
      expect((t.json({ content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'tool_use' }).choices as Json[])[0]?.message).toMatchObject({ content: null });
    });
  });

  describe('error', () => {
    it('maps Anthropic error bodies to OpenAI ones by status, and the OpenAI SDK classes them', async () => {
      const rate = t.error(429, { type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } });
      expect(rate).toEqual({ error: { message: 'Slow down', type: 'rate_limit_error', code: 'rate_limit_error', param: null } });
      expect(t.error(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toEqual({ error: { message: 'Overloaded', type: 'api_error', code: 'overloaded_error', param: null } });
      expect(t.error(400, { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } })).toMatchObject({ error: { type: 'invalid_request_error' } });
      expect(t.error(401, {})).toMatchObject({ error: { type: 'authentication_error', message: 'upstream returned HTTP 401' } });
      expect(t.error(403, 'nope')).toMatchObject({ error: { type: 'permission_error', message: 'nope', code: null } });
      expect(t.error(404, null)).toMatchObject({ error: { type: 'not_found_error' } });
      const err = await openAiClient(() => jsonResponse(429, rate)).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).then(
        () => new Error('expected the call to fail'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect((err as InstanceType<typeof OpenAI.APIError>).type).toBe('rate_limit_error');
      expect((err as Error).message).toContain('Slow down');
    });
  });

  describe('stream', () => {
    const textUpstream = () => capture((reply) => anthropicMockMessages({ model: 'claude-x', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hello there' }] }, 2, reply)).sse;

    it('translates the mock upstream text stream into exact chunks', () => {
      const out = translateStream(t, textUpstream());
      const chunks = dataOf(out);
      expect(chunks.at(-1)).toBe('[DONE]');
      const base = { id: 'msg_mock000002', object: 'chat.completion.chunk', created: expect.any(Number), model: 'claude-x' };
      const choice = (delta: Json, finish_reason: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason, logprobs: null }] });
      expect(chunks).toEqual([
        choice({ role: 'assistant', content: '' }),
        choice({ content: 'Echo: ' }),
        choice({ content: 'hello ' }),
        choice({ content: 'there' }),
        choice({}, 'stop'),
        { ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, prompt_tokens_details: { cached_tokens: 0 } } },
        '[DONE]',
      ]);
      expect(out.split('\n\n').filter(Boolean).every((e) => e.startsWith('data: '))).toBe(true);
    });

    it('is read by the OpenAI SDK stream helpers', async () => {
      const out = translateStream(t, textUpstream());
      const client = openAiClient(() => sseResponse(out));
      const final = await client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }], stream_options: { include_usage: true } }).finalChatCompletion();
      expect(final.choices[0]?.message.content).toBe('Echo: hello there');
      expect(final.choices[0]?.finish_reason).toBe('stop');
      expect(final.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5 });
      const pieces: string[] = [];
      for await (const chunk of await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true })) pieces.push(chunk.choices[0]?.delta.content ?? '');
      expect(pieces.join('')).toBe('Echo: hello there');
    });

    const toolUpstream = [
      anthropicEvent('message_start', { message: { id: 'msg_t', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, cache_read_input_tokens: 4, output_tokens: 1 } } }),
      anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      anthropicEvent('ping', {}),
      anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Checking.' } }),
      anthropicEvent('content_block_stop', { index: 0 }),
      anthropicEvent('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} } }),
      anthropicEvent('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
      anthropicEvent('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } }),
      anthropicEvent('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } }),
      anthropicEvent('content_block_stop', { index: 1 }),
      anthropicEvent('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_2', name: 'now', input: {} } }),
      anthropicEvent('content_block_stop', { index: 2 }),
      anthropicEvent('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }),
      anthropicEvent('message_stop', {}),
    ].join('');

    it('translates a tool-call stream into tool_calls deltas', () => {
      const chunks = dataOf(translateStream(t, toolUpstream)) as Json[];
      const deltas = chunks.slice(0, -2).map((c) => ({ delta: (c.choices as Json[])[0]?.delta, finish: (c.choices as Json[])[0]?.finish_reason }));
      expect(deltas).toEqual([
        { delta: { role: 'assistant', content: '' }, finish: null },
        { delta: { content: 'Checking.' }, finish: null },
        { delta: { tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '' } }] }, finish: null },
        { delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish: null },
        { delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, finish: null },
        { delta: { tool_calls: [{ index: 1, id: 'toolu_2', type: 'function', function: { name: 'now', arguments: '' } }] }, finish: null },
        { delta: {}, finish: 'tool_calls' },
      ]);
      expect(chunks.at(-2)).toMatchObject({ choices: [], usage: { prompt_tokens: 24, completion_tokens: 30, total_tokens: 54, prompt_tokens_details: { cached_tokens: 4 } } });
    });

    it('gives the OpenAI SDK a complete tool call', async () => {
      const out = translateStream(t, toolUpstream);
      const final = await openAiClient(() => sseResponse(out)).chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).finalChatCompletion();
      expect(final.choices[0]?.finish_reason).toBe('tool_calls');
      expect(final.choices[0]?.message.content).toBe('Checking.');
      expect(final.choices[0]?.message.tool_calls).toEqual([
        { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'toolu_2', type: 'function', function: { name: 'now', arguments: '' } },
      ]);
    });

    it('turns an error event into an OpenAI error chunk, then [DONE] at the end', async () => {
      const stream = t.stream();
      const start = toolUpstream.split('\n\n')[0]!;
      stream.event('message_start', splitSse(`${start}\n\n`)[0]!.data);
      const error = stream.event('error', JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
      expect(dataOf(error)).toEqual([{ error: { message: 'Overloaded', type: 'api_error', code: 'overloaded_error', param: null } }]);
      expect(stream.event('message_stop', '{"type":"message_stop"}')).toBe('');
      expect(stream.end()).toBe('data: [DONE]\n\n');
      expect(stream.end()).toBe('');
      const out = translateStream(t, `${start}\n\n${anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })}`);
      const err = await openAiClient(() => sseResponse(out)).chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).finalChatCompletion().then(
        () => new Error('expected the call to fail'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as Error).message).toContain('Overloaded');
    });

    it('flushes at end() only a stream that reached its stop reason, and never twice', () => {
      const events = splitSse(toolUpstream);
      const cut = t.stream();
      for (const e of events.slice(0, 4)) cut.event(e.event, e.data);
      expect(cut.end()).toBe('');
      const noStop = t.stream();
      for (const e of events.slice(0, -1)) noStop.event(e.event, e.data);
      const tail = noStop.end();
      expect(dataOf(tail)).toEqual([expect.objectContaining({ choices: [], usage: expect.objectContaining({ completion_tokens: 30 }) }), '[DONE]']);
      expect(noStop.end()).toBe('');
      const whole = t.stream();
      for (const e of events) whole.event(e.event, e.data);
      expect(whole.end()).toBe('');
    });
  });
});

// ======================================================================================
describe('Anthropic client, OpenAI upstream', () => {
  const t = anthropicToOpenAi;

  describe('request', () => {
    it('translates a plain text call', () => {
      expect(t.request({ model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }, 'gpt-4o')).toEqual({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hi' }],
        max_completion_tokens: 100,
      });
    });

    it('turns `system` into a system message and maps the options', () => {
      const body = {
        model: 'claude-x',
        max_tokens: 300,
        system: [
          { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Answer in French.' },
        ],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
        temperature: 0.2,
        top_p: 0.8,
        top_k: 40,
        stop_sequences: ['END'],
        metadata: { user_id: 'user-42' },
        stream: true,
        thinking: { type: 'disabled' },
      };
      expect(t.request(body, 'gpt-4o')).toEqual({
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.\n\nAnswer in French.' },
          { role: 'user', content: 'Hello' },
        ],
        max_completion_tokens: 300,
        temperature: 0.2,
        top_p: 0.8,
        stop: ['END'],
        user: 'user-42',
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(t.request({ max_tokens: 1, system: 'Plain.', messages: [] }, 'g').messages).toEqual([{ role: 'system', content: 'Plain.' }]);
    });

    it('translates a multi-turn tool conversation, splitting tool results into tool messages', () => {
      const body = {
        model: 'claude-x',
        max_tokens: 1000,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather here and there?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/map.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Two cities.', signature: 'sig' },
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Oslo' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'Snow' }, { type: 'text', text: '-3C' }], is_error: false },
              { type: 'text', text: 'Thanks.' },
            ],
          },
          { role: 'assistant', content: 'Paris is sunny, Oslo snowy.' },
        ],
        tools: [
          { name: 'weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, cache_control: { type: 'ephemeral' } },
          { type: 'custom', name: 'now', input_schema: { type: 'object' } },
        ],
        tool_choice: { type: 'tool', name: 'weather', disable_parallel_tool_use: true },
      };
      const before = structuredClone(body);
      expect(t.request(body, 'gpt-4o')).toEqual({
        model: 'gpt-4o',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather here and there?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/map.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
              { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
          { role: 'tool', tool_call_id: 'toolu_2', content: 'Snow\n-3C' },
          { role: 'user', content: 'Thanks.' },
          { role: 'assistant', content: 'Paris is sunny, Oslo snowy.' },
        ],
        max_completion_tokens: 1000,
        tools: [
          { type: 'function', function: { name: 'weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
          { type: 'function', function: { name: 'now', parameters: { type: 'object' } } },
        ],
        tool_choice: { type: 'function', function: { name: 'weather' } },
        parallel_tool_calls: false,
      });
      expect(body).toEqual(before);
    });

    it('maps tool_choice and sends tool-only turns with null content', () => {
      const base = { max_tokens: 5, messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'f', input_schema: { type: 'object' } }] };
      const choice = (tool_choice: unknown) => t.request({ ...base, tool_choice }, 'g').tool_choice;
      expect(choice({ type: 'auto' })).toBe('auto');
      expect(choice({ type: 'any' })).toBe('required');
      expect(choice({ type: 'none' })).toBe('none');
      expect(choice(undefined)).toBeUndefined();
      const turn = { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] };
      expect(t.request({ max_tokens: 5, messages: [{ role: 'user', content: 'x' }, turn] }, 'g').messages).toEqual([
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      ]);
    });

    it('refuses what OpenAI chat cannot carry, naming what and where', () => {
      const user = (content: unknown) => ({ max_tokens: 5, messages: [{ role: 'user', content }] });
      const thinking = refusal(() => t.request({ ...user('x'), thinking: { type: 'enabled', budget_tokens: 1024 } }, 'g'));
      expect(thinking.path).toBe('thinking');
      expect(thinking.message).toBe('thinking: extended thinking cannot be served by OpenAI chat completions');
      const doc = refusal(() => t.request(user([{ type: 'text', text: 'read' }, { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } }]), 'g'));
      expect(doc.path).toBe('messages[0].content[1]');
      expect(doc.message).toBe('messages[0].content[1]: document blocks cannot be sent to OpenAI');
      const image = refusal(() => t.request(user([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }]), 'g'));
      expect(image.path).toBe('messages[0].content[0].content[0]');
      expect(refusal(() => t.request(user([{ type: 'image', source: { type: 'file', file_id: 'f' } }]), 'g')).path).toBe('messages[0].content[0].source');
      expect(refusal(() => t.request({ ...user('x'), tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'g')).message).toBe('tools[0]: web_search_20250305 server tools cannot be sent to OpenAI');
      expect(refusal(() => t.request({ ...user('x'), stop_sequences: ['a', 'b', 'c', 'd', 'e'] }, 'g')).path).toBe('stop_sequences');
      expect(refusal(() => t.request({ ...user('x'), output_config: { format: { type: 'json_schema', schema: {} } } }, 'g')).path).toBe('output_config.format');
      expect(refusal(() => t.request({ max_tokens: 5, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: {} }] }] }, 'g')).path).toBe(
        'messages[1].content[0]',
      );
    });
  });

  describe('json', () => {
    it('translates a text completion from the mock upstream, and the Anthropic SDK reads it', async () => {
      const upstream = capture((reply) => openAiMockChat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }] }, 3, reply)).json;
      const out = t.json(upstream);
      expect(out).toEqual({
        id: 'chatcmpl-mock3',
        type: 'message',
        role: 'assistant',
        model: 'gpt-4o',
        content: [{ type: 'text', text: 'Echo: hello there' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 },
      });
      const message = await anthropicClient(() => jsonResponse(200, out)).messages.create({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hello there' }] });
      expect(message.content).toEqual([{ type: 'text', text: 'Echo: hello there' }]);
      expect(message.usage.output_tokens).toBe(5);
    });

    it('translates tool calls, finish reasons and cached usage', () => {
      const completion = (message: Json, finish_reason: string, usage?: Json) => ({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason, logprobs: null }], usage });
      const calls = [
        { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'now', arguments: '' } },
      ];
      const out = t.json(completion({ content: 'Checking.', tool_calls: calls, refusal: null }, 'tool_calls', { prompt_tokens: 120, completion_tokens: 9, total_tokens: 129, prompt_tokens_details: { cached_tokens: 100 } }));
      expect(out).toMatchObject({
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'now', input: {} },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens: 9 },
      });
      // A forced function call finishes with `stop` on OpenAI; an Anthropic client looks for tool_use.
      expect(t.json(completion({ content: null, tool_calls: calls.slice(0, 1) }, 'stop')).stop_reason).toBe('tool_use');
      expect(t.json(completion({ content: 'cut' }, 'length')).stop_reason).toBe('max_tokens');
      expect(t.json(completion({ content: null, refusal: 'I cannot help.' }, 'stop'))).toMatchObject({ content: [{ type: 'text', text: 'I cannot help.' }], stop_reason: 'refusal' });
      expect(t.json(completion({ content: '' }, 'content_filter'))).toMatchObject({ content: [], stop_reason: 'refusal' });
      const bad = refusal(() => t.json(completion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }, 'length')));
      expect(bad.path).toBe('choices[0].message.tool_calls[0].function.arguments');
    });
  });

  describe('error', () => {
    it('maps OpenAI error bodies to Anthropic ones by status, and the Anthropic SDK classes them', async () => {
      const auth = t.error(401, { error: { message: 'Incorrect API key', type: 'invalid_request_error', code: 'invalid_api_key', param: null } });
      expect(auth).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'Incorrect API key' } });
      expect(t.error(400, { error: { message: 'bad' } })).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'bad' } });
      expect(t.error(403, {})).toMatchObject({ error: { type: 'permission_error' } });
      expect(t.error(404, {})).toMatchObject({ error: { type: 'not_found_error' } });
      expect(t.error(429, {})).toMatchObject({ error: { type: 'rate_limit_error', message: 'upstream returned HTTP 429' } });
      expect(t.error(500, 'boom')).toEqual({ type: 'error', error: { type: 'api_error', message: 'boom' } });
      expect(t.error(503, {})).toMatchObject({ error: { type: 'api_error' } });
      expect(t.error(529, {})).toMatchObject({ error: { type: 'overloaded_error' } });
      const err = await anthropicClient(() => jsonResponse(401, auth)).messages.create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).then(
        () => new Error('expected the call to fail'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('authentication_error');
    });
  });

  describe('stream', () => {
    const textUpstream = (includeUsage: boolean) =>
      capture((reply) => openAiMockChat({ model: 'gpt-4o', stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'hello there' }] }, 4, reply)).sse;

    it('translates the mock upstream text stream into exact events, holding message_delta for the usage chunk', () => {
      const upstream = splitSse(textUpstream(true));
      const stream = t.stream();
      const perEvent = upstream.map((e) => splitSse(stream.event(e.event, e.data)).map((out) => out.event));
      expect(perEvent).toEqual([
        ['message_start'],
        ['content_block_start', 'content_block_delta'],
        ['content_block_delta'],
        ['content_block_delta'],
        ['content_block_stop'], // the finish chunk: message_delta waits for usage
        ['message_delta', 'message_stop'], // the usage chunk
        [], // [DONE]
      ]);
      expect(stream.end()).toBe('');
      const out = translateStream(t, textUpstream(true));
      expect(splitSse(out).every((e) => e.event === (JSON.parse(e.data) as Json).type)).toBe(true);
      expect(dataOf(out)).toEqual([
        { type: 'message_start', message: { id: 'chatcmpl-mock4', type: 'message', role: 'assistant', model: 'gpt-4o', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Echo: ' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hello ' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'there' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 } },
        { type: 'message_stop' },
      ]);
    });

    it('is read by the Anthropic SDK stream helper', async () => {
      const out = translateStream(t, textUpstream(true));
      const client = anthropicClient(() => sseResponse(out));
      const texts: string[] = [];
      const stream = client.messages.stream({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hello there' }] }).on('text', (text) => texts.push(text));
      const final = await stream.finalMessage();
      expect(texts).toEqual(['Echo: ', 'hello ', 'there']);
      expect(final.content).toEqual([{ type: 'text', text: 'Echo: hello there' }]);
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage).toMatchObject({ input_tokens: 3, output_tokens: 5 });
    });

    it('closes the message at [DONE] when the upstream sent no usage chunk', () => {
      const events = dataOf(translateStream(t, textUpstream(false))) as Json[];
      expect(events.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
      expect(events.at(-2)).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 0 } });
    });

    const toolUpstream = [
      openAiChunk({ choices: [{ index: 0, delta: { role: 'assistant', content: null, refusal: null }, logprobs: null, finish_reason: null }], usage: null }),
      openAiChunk({ choices: [{ index: 0, delta: { content: 'Checking.' }, logprobs: null, finish_reason: null }], usage: null }),
      openAiChunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '' } }] }, logprobs: null, finish_reason: null }], usage: null }),
      openAiChunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, logprobs: null, finish_reason: null }], usage: null }),
      openAiChunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, logprobs: null, finish_reason: null }], usage: null }),
      openAiChunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'now', arguments: '{}' } }] }, logprobs: null, finish_reason: null }], usage: null }),
      openAiChunk({ choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }], usage: null }),
      openAiChunk({ choices: [], usage: { prompt_tokens: 50, completion_tokens: 12, total_tokens: 62, prompt_tokens_details: { cached_tokens: 32 } } }),
      'data: [DONE]\n\n',
    ].join('');

    it('translates tool-call deltas into tool_use blocks', () => {
      expect(dataOf(translateStream(t, toolUpstream))).toEqual([
        expect.objectContaining({ type: 'message_start' }),
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'weather', input: {} } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
        { type: 'content_block_stop', index: 1 },
        { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_2', name: 'now', input: {} } },
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } },
        { type: 'content_block_stop', index: 2 },
        { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 18, cache_creation_input_tokens: 0, cache_read_input_tokens: 32, output_tokens: 12 } },
        { type: 'message_stop' },
      ]);
    });

    it('gives the Anthropic SDK complete tool_use blocks', async () => {
      const out = translateStream(t, toolUpstream);
      const final = await anthropicClient(() => sseResponse(out)).messages.stream({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
      expect(final.stop_reason).toBe('tool_use');
      expect(final.content).toEqual([
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'now', input: {} },
      ]);
      expect(final.usage).toMatchObject({ input_tokens: 18, cache_read_input_tokens: 32, output_tokens: 12 });
    });

    it('turns an error chunk into an Anthropic error event', async () => {
      const first = toolUpstream.split('\n\n')[0]!;
      const upstream = `${first}\n\ndata: ${JSON.stringify({ error: { message: 'The server had an error', type: 'server_error', param: null, code: null } })}\n\n`;
      const out = translateStream(t, upstream);
      expect(splitSse(out).map((e) => e.event)).toEqual(['message_start', 'error']);
      expect(dataOf(out)[1]).toEqual({ type: 'error', error: { type: 'api_error', message: 'The server had an error' } });
      const err = await anthropicClient(() => sseResponse(out)).messages.stream({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage().then(
        () => new Error('expected the call to fail'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('api_error');
    });

    it('flushes at end() only a stream that reached its finish_reason, and never twice', () => {
      const events = splitSse(toolUpstream);
      const cut = t.stream();
      for (const e of events.slice(0, 3)) cut.event(e.event, e.data);
      expect(cut.end()).toBe('');
      const noUsage = t.stream();
      for (const e of events.slice(0, 7)) noUsage.event(e.event, e.data);
      expect(splitSse(noUsage.end()).map((e) => e.event)).toEqual(['message_delta', 'message_stop']);
      expect(noUsage.end()).toBe('');
      expect(noUsage.event(undefined, '[DONE]')).toBe('');
      const empty = t.stream();
      expect(empty.event(undefined, JSON.stringify({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [] }))).toBe('');
      expect(empty.event(undefined, '[DONE]')).toBe('');
      expect(empty.end()).toBe('');
    });
  });
});
