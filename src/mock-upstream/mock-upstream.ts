import { EventEmitter } from 'node:events';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicError, countTokens, messages } from './anthropic-mock.js';
import { chatCompletions, embeddings, models, openAiError, responses } from './openai-mock.js';
import { isObject } from './replies.js';
import type { MockBehavior, MockReply, MockToolCall, RecordedRequest } from './types.js';

export interface MockUpstreamOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface MockUpstream {
  /** `http://127.0.0.1:<port>` (no path; OpenAI clients add `/v1`). */
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Knobs for the next requests (delay, failure status, slow stream). */
  behavior: MockBehavior;
  /** `request` (RecordedRequest) when one arrives; `aborted` (RecordedRequest) when its client went away before the reply ended. */
  events: EventEmitter;
  /** Clears the recorded requests and the knobs. */
  reset(): void;
  close(): Promise<void>;
}

/** `text`: the reply text a test asked for (`behavior.replyText`), else the handler echoes; `toolCall`: answer with it instead. */
type Handler = (body: Record<string, unknown>, seq: number, reply: MockReply, text?: string, toolCall?: MockToolCall) => void;

const ROUTES: Readonly<Record<string, { handler: Handler; format: 'openai' | 'anthropic' }>> = {
  'POST /v1/chat/completions': { handler: chatCompletions, format: 'openai' },
  'POST /v1/responses': { handler: responses, format: 'openai' },
  'POST /v1/embeddings': { handler: (body, _seq, reply) => embeddings(body, reply), format: 'openai' },
  'GET /v1/models': { handler: (_body, _seq, reply) => models(reply), format: 'openai' },
  'POST /v1/messages': { handler: messages, format: 'anthropic' },
  'POST /v1/messages/count_tokens': { handler: (body, _seq, reply) => countTokens(body, reply), format: 'anthropic' },
};

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A stand-in for api.openai.com and api.anthropic.com that speaks their wire formats
 * (JSON and SSE, with realistic usage), records what it receives and answers
 * deterministically, for tests and benchmarks that must not call a real provider.
 */
export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const events = new EventEmitter();
  const state: { behavior: MockBehavior } = { behavior: {} };
  let seq = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? '/';
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body: parseBody(Buffer.concat(chunks).toString('utf8')) };
    requests.push(recorded);
    events.emit('request', recorded);
    let finished = false;
    res.on('close', () => {
      if (!finished) events.emit('aborted', recorded);
    });

    const behavior = state.behavior;
    const route = ROUTES[`${recorded.method} ${path.split('?')[0]}`];
    const format = route?.format ?? (path.startsWith('/v1/messages') ? 'anthropic' : 'openai');
    const id = ++seq;
    const headers = { 'x-request-id': `mock_req_${id}`, 'request-id': `mock_req_${id}` };
    const json = (status: number, body: unknown) => {
      finished = true;
      res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
    };

    if (behavior.delayMs) await delay(behavior.delayMs, res);
    if (res.destroyed) return;
    if (behavior.failStatus) {
      const message = `mock upstream failure ${behavior.failStatus}`;
      json(behavior.failStatus, format === 'anthropic' ? anthropicError(behavior.failStatus, message) : openAiError(behavior.failStatus, message));
      return;
    }
    if (!route) {
      json(404, format === 'anthropic' ? anthropicError(404, `no route ${path}`) : openAiError(404, `no route ${path}`));
      return;
    }
    if (recorded.method === 'POST' && !isObject(recorded.body)) {
      json(400, format === 'anthropic' ? anthropicError(400, 'body must be a JSON object') : openAiError(400, 'body must be a JSON object'));
      return;
    }
    const reply: MockReply = {
      json,
      sse(list) {
        res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
        void writeEvents(res, list, behavior.chunkDelayMs ?? 0).then(() => {
          finished = true;
          res.end();
        });
      },
    };
    const body = isObject(recorded.body) ? recorded.body : {};
    const text = typeof behavior.replyText === 'function' ? behavior.replyText(body) : behavior.replyText;
    route.handler(body, id, reply, text, behavior.toolCall);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get behavior() {
      return state.behavior;
    },
    set behavior(next: MockBehavior) {
      state.behavior = next;
    },
    events,
    reset() {
      requests.length = 0;
      state.behavior = {};
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Resolves after `ms`, or at once when the client has gone away. */
function delay(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

async function writeEvents(res: ServerResponse, list: readonly string[], gapMs: number): Promise<void> {
  for (const event of list) {
    if (res.destroyed) return;
    res.write(event);
    if (gapMs) await delay(gapMs, res);
  }
}
