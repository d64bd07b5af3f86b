import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import type { TokenUsage } from '../pricing/index.js';
import { GatewayError } from './errors.js';
import { findUsage } from './find-usage.js';
import { type Metered, relayCheckedJson } from './output-json.js';
import { StreamUsage, replyUsage } from '../providers/response-usage.js';
import type { OutputStage } from './output-stage.js';
import { OutputStreamFilter } from './output-stream.js';
import type { Route } from './routes.js';
import { SseSplitter } from './sse.js';
import type { UpstreamConfig } from './types.js';
import type { UpstreamTrace } from '../observability/types.js';
import { type StreamTranslator, type Translation, TranslationError } from '../providers/translate/index.js';

/** One provider endpoint: an undici Pool (DESIGN: global fetch measured 4x slower) and its key. */
export class Upstream {
  readonly pool: Pool;
  private readonly basePath: string;

  private readonly apiKey: string;

  constructor(config: UpstreamConfig) {
    this.apiKey = config.apiKey;
    const url = new URL(config.baseUrl);
    this.pool = new Pool(url.origin, { connections: 256, keepAliveTimeout: 10_000 });
    this.basePath = url.pathname.replace(/\/+$/, '');
  }

  path(route: Route): string {
    return this.basePath + route.upstreamPath;
  }

  key(): string {
    return this.apiKey;
  }
}

export interface ForwardInput {
  route: Route;
  upstream: Upstream;
  method: 'GET' | 'POST';
  body: Buffer | undefined;
  clientHeaders: IncomingHttpHeaders;
  /** Headers Warden adds to the client's response (x-request-id, RateLimit-*, x-warden-modified). */
  responseHeaders: Record<string, string>;
  /** Drop the usage-only chunk Warden asked for on the caller's behalf. */
  stripInjectedUsage: boolean;
  signal: AbortSignal;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  requestId: string;
  /** Output stage (detector rules on responses, placeholder restore); absent: relayed untouched. */
  output?: OutputStage;
  /** When it returns true for the upstream's status, the reply is dropped unsent so the caller can retry elsewhere. */
  retryable?: (status: number) => boolean;
  /** Spans, `traceparent` and timings of this request (src/observability). */
  trace?: UpstreamTrace;
  /**
   * Cross-provider failover: the upstream speaks the other wire format. The body is already
   * in the upstream's format; its answer (JSON, SSE or error) is turned back into the
   * caller's before anything else (usage, output stage) reads it.
   */
  translation?: { translation: Translation; route: Route };
}

export interface ForwardResult {
  status: number;
  usage: TokenUsage | undefined;
  /** Tool calls the response made (OpenAI `tool_calls`, Anthropic `tool_use`), for the loop breaker. */
  toolCalls?: number;
  stream: boolean;
  /** The reply was dropped (see `retryable`); nothing was written to the client. */
  discarded?: boolean;
  /** The dropped reply's `Retry-After`. */
  retryAfter?: string;
}

const PASSED_RESPONSE_HEADERS = ['retry-after', 'openai-processing-ms', 'anthropic-organization-id'];

/**
 * Sends the request upstream and relays the answer as it arrives: SSE event by event
 * (usage read on the way; the injected usage chunk dropped), JSON chunk by chunk with the
 * usage read from the tail. The upstream's own errors pass through unchanged; they are
 * already in the caller's wire format.
 */
export function forward(input: ForwardInput, res: ServerResponse): Promise<ForwardResult> {
  // Each call gets its own client span, whose context goes upstream as `traceparent`.
  return input.trace ? input.trace.upstreamCall(input, (traceHeaders) => forwardOnce(input, res, traceHeaders)) : forwardOnce(input, res, undefined);
}

async function forwardOnce(input: ForwardInput, res: ServerResponse, traceHeaders: Record<string, string> | undefined): Promise<ForwardResult> {
  const { route, upstream } = input;
  // The route the upstream serves: the caller's own, or the other provider's (translation).
  const target = input.translation?.route ?? route;
  const headers: Record<string, string> = { ...target.wire.upstreamHeaders(upstream.key(), input.clientHeaders), accept: 'application/json, text/event-stream', ...traceHeaders };
  if (input.body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(input.body.length);
  }
  let response: Awaited<ReturnType<Pool['request']>>;
  try {
    response = await upstream.pool.request({
      path: upstream.path(target),
      method: input.method,
      headers,
      body: input.body ?? null,
      signal: input.signal,
      headersTimeout: input.headersTimeoutMs,
      bodyTimeout: input.bodyTimeoutMs,
    });
  } catch (err) {
    throw upstreamFailure(err, target.upstream);
  }
  if (input.retryable?.(response.statusCode)) {
    const retryAfter = response.headers['retry-after'];
    await response.body.dump().catch(() => undefined);
    return { status: response.statusCode, usage: undefined, stream: false, discarded: true, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
  }

  const contentType = String(response.headers['content-type'] ?? '');
  const out: Record<string, string> = { ...input.responseHeaders };
  if (contentType) out['content-type'] = contentType;
  const upstreamId = response.headers['x-request-id'] ?? response.headers['request-id'];
  if (typeof upstreamId === 'string') out['x-upstream-request-id'] = upstreamId;
  for (const name of PASSED_RESPONSE_HEADERS) {
    const value = response.headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  const ok = response.statusCode >= 200 && response.statusCode < 300;
  const stream = ok && contentType.startsWith('text/event-stream');
  if (stream) out['cache-control'] = 'no-cache';
  let body: Body = response.body;
  if (input.translation) {
    const { translation } = input.translation;
    if (stream) {
      body = translatedSse(response.body, translation.stream());
    } else {
      body = once(await translatedJson(response.body, translation, response.statusCode, target.upstream));
      out['content-type'] = 'application/json';
    }
  }
  // Output stage: a checked JSON reply is read whole before its status is chosen (a block answers 403).
  if (input.output && ok && !stream) {
    const checked = await relayCheckedJson(body, res, response.statusCode, out, route.wire, input.output, (text) => meterJson(route, text));
    return { ...checked, stream };
  }
  if (stream) {
    // A stream's headers go out now: its first byte should not wait for its first event.
    // A JSON body's go out with it (relayJson).
    res.writeHead(response.statusCode, out);
    res.flushHeaders();
  }

  let used: Metered = { usage: undefined, toolCalls: 0 };
  try {
    if (stream) {
      used = await relaySse(body, res, input);
      res.end();
    } else {
      const text = await relayJson(body, res, response.statusCode, out, ok);
      if (ok) used = meterJson(route, text);
    }
  } catch (err) {
    if (input.signal.aborted) throw err;
    const failure = err instanceof GatewayError ? err : upstreamFailure(err, target.upstream);
    if (stream && !res.writableEnded && !res.destroyed) {
      res.end(route.wire.streamError({ status: failure.status, message: failure.message, code: failure.code, requestId: input.requestId }));
    } else {
      res.destroy();
    }
    return { status: response.statusCode, ...used, stream };
  }
  return { status: response.statusCode, ...used, stream };
}

/** Tool calls appear under these keys only; a body without them is not parsed twice. */
const TOOL_CALL_KEYS = ['"tool_calls"', '"tool_use"', '"function_call"'];

function mentionsToolCalls(text: string): boolean {
  return TOOL_CALL_KEYS.some((key) => text.includes(key));
}

/** Usage (read from the body's tail) and tool calls of a whole JSON answer. */
function meterJson(route: ForwardInput['route'], text: string | undefined): Metered {
  if (!text) return { usage: undefined, toolCalls: 0 };
  let toolCalls = 0;
  if (mentionsToolCalls(text)) {
    try {
      toolCalls = replyUsage(JSON.parse(text)).toolCalls;
    } catch {
      toolCalls = 0;
    }
  }
  return { usage: route.wire.usage(findUsage(text)), toolCalls };
}

type Body = AsyncIterable<Buffer> & { pause?: () => void };

/** A translated upstream's JSON answer (success or error), read whole, in the caller's format. */
async function translatedJson(source: Body, translation: Translation, status: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (status < 200 || status >= 300) return Buffer.from(JSON.stringify(translation.error(status, parsed)));
  try {
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TranslationError('the answer is not a JSON object', '');
    return Buffer.from(JSON.stringify(translation.json(parsed as Record<string, unknown>)));
  } catch (err) {
    if (!(err instanceof TranslationError)) throw err;
    throw new GatewayError(502, 'upstream_error', `the ${name} upstream's answer could not be translated for this client: ${err.message}`);
  }
}

async function* once(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}

/** A translated upstream's SSE stream, event by event, in the caller's format. */
async function* translatedSse(source: Body, translator: StreamTranslator): AsyncGenerator<Buffer> {
  const splitter = new SseSplitter();
  for await (const chunk of source) {
    let out = '';
    for (const event of splitter.push(chunk)) out += translator.event(event.event, event.data);
    if (out) yield Buffer.from(out);
  }
  // An unterminated last event still counts.
  const rest = splitter.end();
  let out = '';
  if (rest.trim()) for (const event of new SseSplitter().push(Buffer.from(`${rest}\n\n`))) out += translator.event(event.event, event.data);
  const tail = out + translator.end();
  if (tail) yield Buffer.from(tail);
}

async function relaySse(body: Body, res: ServerResponse, input: ForwardInput): Promise<Metered> {
  const { wire } = input.route;
  const splitter = new SseSplitter();
  const filter = input.output ? new OutputStreamFilter(input.output) : undefined;
  const tools = new StreamUsage();
  let usage: TokenUsage | undefined;
  const metered = (): Metered => ({ usage, toolCalls: tools.toolCalls });
  for await (const chunk of body) {
    let out = '';
    for (const event of splitter.push(chunk)) {
      // Parse only the events that can carry usage (not the `"usage":null` of every chunk) or
      // a tool call, once each; the rest are relayed untouched.
      const carriesUsage = event.data.includes('"usage"') && !event.data.includes('"usage":null');
      const carriesTools = mentionsToolCalls(event.data);
      if (carriesUsage || carriesTools) {
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch {
          data = undefined;
        }
        if (carriesTools) tools.observe(data);
        if (carriesUsage) {
          usage = wire.streamUsage(data, usage);
          if (input.stripInjectedUsage && wire.isInjectedUsageEvent(data)) continue;
        }
      }
      // Output stage: rewrites text deltas, or ends the stream with an error event on a block.
      const checked = filter ? filter.event(event) : { out: event.raw };
      if ('block' in checked) {
        res.write(out + wire.streamError({ status: checked.block.status, message: checked.block.message, code: checked.block.code, warden: input.output?.wardenRecord(), requestId: input.requestId }));
        return metered();
      }
      out += checked.out;
    }
    if (out) input.trace?.firstChunk();
    if (out && !res.write(out)) await drained(res);
  }
  const held = filter?.end();
  if (held) res.write('block' in held ? wire.streamError({ status: held.block.status, message: held.block.message, code: held.block.code, warden: input.output?.wardenRecord(), requestId: input.requestId }) : held.out);
  const rest = splitter.end();
  if (rest) res.write(rest);
  return metered();
}

/**
 * Relays a JSON (or error) body as it arrives, one chunk behind, and ends the response with
 * the last chunk: a body that arrives in one piece (the usual case) leaves in one write,
 * headers and a content-length included, instead of a chunked body and a terminator written
 * apart (an extra syscall, and an extra wake-up of the client). Returns the text of a success.
 */
async function relayJson(body: Body, res: ServerResponse, status: number, headers: Record<string, string>, ok: boolean): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let held: Buffer | undefined;
  let started = false;
  for await (const chunk of body) {
    if (ok) chunks.push(chunk);
    if (held) {
      if (!started) res.writeHead(status, headers);
      started = true;
      if (!res.write(held)) await drained(res);
    }
    held = chunk;
  }
  // An empty body keeps Node's own framing (a 204 must not carry a content-length).
  if (!started) res.writeHead(status, held ? { ...headers, 'content-length': String(held.length) } : headers);
  res.end(held);
  if (!ok || !chunks.length) return undefined;
  return chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function upstreamFailure(err: unknown, name: string): GatewayError {
  const code = (err as { code?: unknown }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new GatewayError(504, 'upstream_timeout', `the ${name} upstream did not answer in time`);
  }
  return new GatewayError(502, 'upstream_error', `the ${name} upstream could not be reached`);
}
