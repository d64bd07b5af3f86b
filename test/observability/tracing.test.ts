// Spans of a real request through the gateway, exported to memory: the server span, the
// decision with a child per engine stage, the upstream call with GenAI attributes, and
// the W3C traceparent that reached the (mock) provider.
import { EventEmitter, once } from 'node:events';
import { SpanKind } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_KEY, type Stack, startStack } from '../gateway/harness.js';

/** Keeps spans in memory and says when it received some, so a test can await them. */
class AnnouncingExporter extends InMemorySpanExporter {
  readonly exported = new EventEmitter();
  override export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    super.export(spans, done);
    this.exported.emit('spans');
  }
}

const exporter = new AnnouncingExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ observability: { tracerProvider: provider } });
});
afterAll(async () => {
  await stack.close();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

async function spansOf(count: number): Promise<ReadableSpan[]> {
  while (exporter.getFinishedSpans().length < count) await once(exporter.exported, 'spans');
  return exporter.getFinishedSpans();
}

describe('OpenTelemetry traces', () => {
  it('records one span tree per request with GenAI attributes and sends traceparent upstream', async () => {
    const reply = await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'trace me' }] });
    expect(reply.choices[0]?.message.content).toBe('Echo: trace me');
    const spans = await spansOf(5);

    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(server?.name).toBe('POST /v1/chat/completions');
    expect(parentOf(server as ReadableSpan)).toBeUndefined();
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini',
      'warden.decision.action': 'allow',
    });
    expect(server?.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(server?.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    const traceId = server?.spanContext().traceId;
    expect(spans.every((s) => s.spanContext().traceId === traceId)).toBe(true);

    const decide = spans.find((s) => s.name === 'warden.decide') as ReadableSpan;
    expect(parentOf(decide)).toBe(server?.spanContext().spanId);
    const stages = spans.filter((s) => s.name.startsWith('warden.stage.'));
    expect(stages.map((s) => s.attributes['warden.stage'])).toEqual(expect.arrayContaining(['access', 'content']));
    for (const stage of stages) {
      expect(parentOf(stage)).toBe(decide.spanContext().spanId);
      // Stage spans sit inside the decision's own window.
      expect(hrMs(stage.startTime)).toBeGreaterThanOrEqual(hrMs(decide.startTime) - 0.001);
      expect(hrMs(stage.endTime)).toBeLessThanOrEqual(hrMs(decide.endTime) + 0.001);
    }

    const client = spans.find((s) => s.kind === SpanKind.CLIENT) as ReadableSpan;
    expect(client.name).toBe('chat gpt-4o-mini');
    expect(parentOf(client)).toBe(server?.spanContext().spanId);
    expect(client.attributes).toMatchObject({ 'gen_ai.system': 'openai', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'http.response.status_code': 200 });

    // The provider saw the upstream span as its parent.
    const traceparent = stack.mock.requests.at(-1)?.headers.traceparent;
    expect(traceparent).toBe(`00-${traceId}-${client.spanContext().spanId}-01`);
  });

  it('continues the caller\'s trace and marks the first streamed token', async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json', traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream' }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const spans = await spansOf(5);
    const server = spans.find((s) => s.kind === SpanKind.SERVER) as ReadableSpan;
    expect(server.spanContext().traceId).toBe(callerTrace);
    expect(parentOf(server)).toBe('00f067aa0ba902b7');
    expect(server.events.map((e) => e.name)).toContain('gen_ai.first_token');
    expect(server.attributes['warden.stream']).toBe(true);
    expect(stack.mock.requests.at(-1)?.headers.traceparent).toMatch(new RegExp(`^00-${callerTrace}-[0-9a-f]{16}-01$`));
  });

  it('marks a refused call on its span and calls no upstream', async () => {
    const before = stack.mock.requests.length;
    await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my api_key is 42' }] }).catch(() => undefined);
    const spans = await spansOf(3);
    const server = spans.find((s) => s.kind === SpanKind.SERVER) as ReadableSpan;
    expect(server.attributes).toMatchObject({ 'warden.decision.action': 'block', 'warden.decision.rule': 'no_api_keys', 'error.type': 'content_blocked', 'http.response.status_code': 403 });
    expect(spans.some((s) => s.kind === SpanKind.CLIENT)).toBe(false);
    expect(stack.mock.requests.length).toBe(before);
    // Span attributes carry names and codes, never the prompt.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('api_key is 42');
  });
});

function hrMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}
