import { type Context, type Span, type Tracer, ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { IncomingHttpHeaders } from 'node:http';
import { STAGES, type Decision } from '../engine/types.js';
import type { CompletionRecord } from '../gateway/types.js';
import { GEN_AI_OPERATION_NAME, GEN_AI_REQUEST_MODEL, GEN_AI_RESPONSE_MODEL, GEN_AI_SYSTEM, GEN_AI_USAGE_INPUT_TOKENS, GEN_AI_USAGE_OUTPUT_TOKENS, operationOf } from './gen-ai-attributes.js';
import type { TracedCall, UpstreamTrace } from './types.js';

/** Always W3C trace context, whatever propagator (if any) the host registered globally. */
const propagator = new W3CTraceContextPropagator();

/** Wall-clock milliseconds with sub-millisecond precision, as span start/end times. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface UpstreamCallObserver {
  (provider: string, route: string, status: number, seconds: number): void;
}

/**
 * One request's span tree and timings: the SERVER span, `warden.decide` with a child per
 * engine stage, and a CLIENT span per upstream call whose context travels upstream as
 * `traceparent`. With no tracer provider registered the spans are the API's no-op ones and
 * only the timings are kept.
 */
export class RequestTrace implements UpstreamTrace {
  readonly startedAt = performance.now();
  private firstChunkAt: number | undefined;
  private readonly span: Span;
  private readonly context: Context;
  private readonly recording: boolean;
  private route = 'unknown';
  private model: string | undefined;

  constructor(
    private readonly tracer: Tracer,
    method: string,
    headers: IncomingHttpHeaders,
    private readonly onUpstreamCall: UpstreamCallObserver,
  ) {
    // A caller's own trace continues through Warden to the provider.
    const parent = headers.traceparent !== undefined ? propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) : ROOT_CONTEXT;
    this.span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
    this.context = trace.setSpan(parent, this.span);
    this.recording = this.span.isRecording();
  }

  /** The route is known once the path matched; the span is renamed after its template. */
  routed(routeId: string, method: string, path: string): void {
    this.route = routeId;
    if (!this.recording) return;
    this.span.updateName(`${method} ${path}`);
    this.span.setAttribute('http.route', path);
    this.span.setAttribute('warden.route', routeId);
  }

  /** Records `warden.decide` and its stages from the decision's own timings, ending now. */
  decided(decision: Decision, provider: string, model: string | undefined): void {
    this.model = model;
    if (!this.recording) return;
    const operation = operationOf(this.route);
    if (operation) this.span.setAttribute(GEN_AI_OPERATION_NAME, operation);
    this.span.setAttribute(GEN_AI_SYSTEM, provider);
    if (model) this.span.setAttribute(GEN_AI_REQUEST_MODEL, model);
    this.span.setAttributes({ 'warden.decision.action': decision.action, 'warden.decision.policy': decision.policy ?? '', 'warden.decision.rule': decision.rule ?? '', 'warden.policy_revision': decision.revision });
    if (decision.code) this.span.setAttribute('warden.decision.code', decision.code);

    const end = nowMs();
    const start = end - decision.durationUs / 1000;
    const decide = this.tracer.startSpan('warden.decide', { kind: SpanKind.INTERNAL, startTime: start, attributes: { 'warden.decision.action': decision.action } }, this.context);
    const inside = trace.setSpan(this.context, decide);
    // Stages run in order; each span covers the summed time of its rules.
    let at = start;
    for (const stage of STAGES) {
      const outcomes = decision.outcomes.filter((o) => o.stage === stage);
      if (!outcomes.length) continue;
      const us = outcomes.reduce((n, o) => n + o.durationUs, 0);
      const acted = outcomes.filter((o) => o.outcome !== 'pass' && o.outcome !== 'skip');
      const span = this.tracer.startSpan(`warden.stage.${stage}`, { kind: SpanKind.INTERNAL, startTime: at, attributes: { 'warden.stage': stage, 'warden.stage.rules': outcomes.length } }, inside);
      if (acted.length) span.setAttribute('warden.stage.matched', acted.map((o) => `${o.policy}/${o.rule}:${o.outcome}`));
      at = Math.min(end, at + us / 1000);
      span.end(at);
    }
    decide.end(end);
  }

  async upstreamCall<T extends { status: number }>(call: TracedCall, send: (headers: Record<string, string>) => Promise<T>): Promise<T> {
    const provider = call.responseHeaders['x-warden-upstream'] ?? call.route.upstream;
    const started = performance.now();
    const operation = operationOf(call.route.id);
    const span = this.tracer.startSpan(
      operation && this.model ? `${operation} ${this.model}` : `upstream ${call.route.id}`,
      { kind: SpanKind.CLIENT, attributes: { [GEN_AI_SYSTEM]: provider, ...(operation ? { [GEN_AI_OPERATION_NAME]: operation } : {}), ...(this.model ? { [GEN_AI_REQUEST_MODEL]: this.model } : {}) } },
      this.context,
    );
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(this.context, span), headers, defaultTextMapSetter);
    let status = 0;
    try {
      const result = await send(headers);
      status = result.status;
      span.setAttribute('http.response.status_code', status);
      if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
      return result;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('error.type', errorType(err));
      throw err;
    } finally {
      span.end();
      this.onUpstreamCall(provider, call.route.id, status, (performance.now() - started) / 1000);
    }
  }

  firstChunk(): void {
    if (this.firstChunkAt !== undefined) return;
    this.firstChunkAt = performance.now();
    if (this.recording) this.span.addEvent('gen_ai.first_token');
  }

  /** Seconds from arrival to the first streamed event; undefined for non-streamed replies. */
  timeToFirstToken(): number | undefined {
    return this.firstChunkAt === undefined ? undefined : (this.firstChunkAt - this.startedAt) / 1000;
  }

  elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  end(record: CompletionRecord): void {
    if (!this.recording) return;
    const span = this.span;
    span.setAttribute('http.response.status_code', record.status);
    if (record.model) span.setAttribute(GEN_AI_RESPONSE_MODEL, record.model);
    if (record.usage) {
      span.setAttribute(GEN_AI_USAGE_INPUT_TOKENS, record.usage.inputTokens);
      span.setAttribute(GEN_AI_USAGE_OUTPUT_TOKENS, record.usage.outputTokens);
    }
    if (record.costUsd !== null && record.costUsd !== undefined) span.setAttribute('warden.cost_usd', record.costUsd);
    if (record.errorCode) span.setAttribute('error.type', record.errorCode);
    if (record.stream) span.setAttribute('warden.stream', true);
    if (record.clientAborted) span.setAttribute('warden.client_aborted', true);
    if (record.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}

function errorType(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}
