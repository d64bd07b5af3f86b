// `warden serve`'s tracing setup: silent without OTEL_EXPORTER_OTLP_ENDPOINT; with it, the
// gateway's spans reach an OTLP/HTTP collector (here a local stand-in) by shutdown.
import { trace } from '@opentelemetry/api';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startTracing } from '../../src/observability/start-tracing.js';
import { startStack } from '../gateway/harness.js';

const received: { path: string; body: string }[] = [];
const collector = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    received.push({ path: req.url ?? '', body });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

describe('startTracing', () => {
  it('registers nothing without an OTLP endpoint', () => {
    expect(startTracing({})).toBeUndefined();
    expect(startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  it('exports the gateway\'s spans over OTLP/HTTP with the service name', async () => {
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const { port } = collector.address() as AddressInfo;
    const tracing = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/`, OTEL_SERVICE_NAME: 'warden-test' });
    expect(tracing).toBeDefined();
    const stack = await startStack();
    try {
      await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'exported' }] });
      expect(stack.mock.requests.at(-1)?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      await stack.close();
      await tracing?.shutdown();
    }
    expect(received.map((r) => r.path)).toContain('/v1/traces');
    const body = received.map((r) => r.body).join('');
    expect(body).toContain('warden-test');
    expect(body).toContain('warden.decide');
    expect(body).toContain('gen_ai.request.model');
    expect(body).not.toContain('exported');
    // Back to the no-op tracer.
    expect(trace.getTracer('x').startSpan('y').isRecording()).toBe(false);
  });
});
