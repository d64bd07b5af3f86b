import type { IncomingHttpHeaders } from 'node:http';
import { type WireFormat, anthropicWire, openAiWire } from './wire-formats.js';

export interface Route {
  /** `openai.chat`, ...: also the key of the request parser in `requestParsers`. */
  readonly id: string;
  readonly method: 'GET' | 'POST';
  readonly wire: WireFormat;
  readonly upstream: 'openai' | 'anthropic';
  /** Appended to the upstream's base URL (OpenAI's includes `/v1`, Anthropic's does not). */
  readonly upstreamPath: string;
  /** False for calls the engine does not decide (listing models). */
  readonly decides: boolean;
  /** False where the provider does not bill (token counting, listing). */
  readonly billable: boolean;
  /** Chat Completions streams report usage only when asked (`stream_options.include_usage`). */
  readonly streamUsageOption: boolean;
}

const route = (r: Omit<Route, 'decides' | 'billable' | 'streamUsageOption'> & Partial<Route>): Route => ({ decides: true, billable: true, streamUsageOption: false, ...r });

/** The gateway's routes (DESIGN "Contracts"), by `METHOD path`. */
export const ROUTES: ReadonlyMap<string, Route> = new Map([
  ['POST /v1/chat/completions', route({ id: 'openai.chat', method: 'POST', wire: openAiWire, upstream: 'openai', upstreamPath: '/chat/completions', streamUsageOption: true })],
  ['POST /v1/responses', route({ id: 'openai.responses', method: 'POST', wire: openAiWire, upstream: 'openai', upstreamPath: '/responses' })],
  ['POST /v1/embeddings', route({ id: 'openai.embeddings', method: 'POST', wire: openAiWire, upstream: 'openai', upstreamPath: '/embeddings' })],
  ['GET /v1/models', route({ id: 'openai.models', method: 'GET', wire: openAiWire, upstream: 'openai', upstreamPath: '/models', decides: false, billable: false })],
  ['POST /v1/messages', route({ id: 'anthropic.messages', method: 'POST', wire: anthropicWire, upstream: 'anthropic', upstreamPath: '/v1/messages' })],
  ['POST /v1/messages/count_tokens', route({ id: 'anthropic.count_tokens', method: 'POST', wire: anthropicWire, upstream: 'anthropic', upstreamPath: '/v1/messages/count_tokens', billable: false })],
]);

/** The wire format to answer an unmatched request in: Anthropic's when the caller looks like its SDK. */
export function guessWire(path: string, headers: IncomingHttpHeaders): WireFormat {
  return path.startsWith('/v1/messages') || headers['anthropic-version'] !== undefined ? anthropicWire : openAiWire;
}
