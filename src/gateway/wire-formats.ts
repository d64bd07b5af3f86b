import type { IncomingHttpHeaders } from 'node:http';
import { anthropicErrorBody } from '../providers/anthropic/errors.js';
import { anthropicStreamUsage, anthropicUsage } from '../providers/anthropic/usage.js';
import { openAiErrorBody } from '../providers/openai/errors.js';
import { isUsageOnlyChunk, openAiStreamUsage, openAiUsage } from '../providers/openai/usage.js';
import type { TokenUsage } from '../pricing/index.js';
import type { WireErrorInput as WireError } from '../providers/wire-error.js';

export type { WireErrorInput as WireError } from '../providers/wire-error.js';

/** What the gateway needs to know about one wire format; the knowledge itself lives in `src/providers/<name>/`. */
export interface WireFormat {
  readonly name: 'openai' | 'anthropic';
  errorBody(error: WireError): Record<string, unknown>;
  /** An error written into an SSE stream that already started (the SDKs raise it). */
  streamError(error: WireError): string;
  /** Headers for the upstream: the server's own provider key, never the caller's Warden key. */
  upstreamHeaders(apiKey: string, client: IncomingHttpHeaders): Record<string, string>;
  usage(usage: unknown): TokenUsage | undefined;
  /** Folds one parsed SSE `data` payload into the running usage. */
  streamUsage(data: unknown, current: TokenUsage | undefined): TokenUsage | undefined;
  /** True for the usage-only chunk Warden asked for on the caller's behalf. */
  isInjectedUsageEvent(data: unknown): boolean;
}

const ANTHROPIC_VERSION = '2023-06-01';

function passThrough(out: Record<string, string>, client: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  for (const name of names) {
    const value = client[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

export const openAiWire: WireFormat = {
  name: 'openai',
  errorBody: openAiErrorBody,
  streamError: (error) => `data: ${JSON.stringify(openAiErrorBody(error))}\n\n`,
  upstreamHeaders: (apiKey, client) => passThrough({ authorization: `Bearer ${apiKey}` }, client, ['openai-beta']),
  usage: openAiUsage,
  streamUsage: (data, current) => openAiStreamUsage(data) ?? current,
  isInjectedUsageEvent: isUsageOnlyChunk,
};

export const anthropicWire: WireFormat = {
  name: 'anthropic',
  errorBody: anthropicErrorBody,
  streamError: (error) => `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error))}\n\n`,
  upstreamHeaders: (apiKey, client) =>
    passThrough({ 'x-api-key': apiKey, 'anthropic-version': typeof client['anthropic-version'] === 'string' ? client['anthropic-version'] : ANTHROPIC_VERSION }, client, ['anthropic-beta']),
  usage: anthropicUsage,
  streamUsage: anthropicStreamUsage,
  isInjectedUsageEvent: () => false,
};
