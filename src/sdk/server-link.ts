import type { EngineOptions } from '../engine/engine.js';
import type { PolicyDocument } from '../engine/policy-document.js';
import type { Decision, LlmRequest } from '../engine/types.js';
import { Journal, type JournalOptions } from './journal.js';
import { PolicyEngine } from './policy-engine.js';

/**
 * The SDK's link to a Warden server (seed 000): remote config fetched once at start and
 * cached for the session (remote overrides local), and every decision journaled to the
 * server's event ingest in batches, off the call path.
 */
export interface ServerLinkOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  serverUrl: string;
  /** A Warden virtual key: it names the org, team, user and environment the config is for. */
  apiKey: string;
  /** Policy used when the server cannot be reached (with a warning), unless `onUnreachable: 'refuse'`. */
  localPolicy?: PolicyEngine | readonly PolicyDocument[];
  /** `local` (default): fall back to `localPolicy` with a warning; `refuse`: throw instead. */
  onUnreachable?: 'local' | 'refuse';
  engineOptions?: EngineOptions;
  /** Journaling; `false` turns it off. */
  journal?: false | Omit<JournalOptions, 'serverUrl' | 'apiKey' | 'fetch'>;
  /** Send prompt text with events (default false: events carry counts, model and decision only). */
  includePrompts?: boolean;
  /** Longest the config fetch may take; default 2,000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  warn?: (message: string) => void;
}

export interface ServerLink {
  /** The engine to pass as `policy` (remote documents, or the local fallback). */
  readonly policy: PolicyEngine;
  readonly source: 'remote' | 'local';
  /** The server's policy revision and ETag, when the config came from it. */
  readonly revision: string | null;
  readonly etag: string | null;
  readonly journal: Journal | undefined;
  /** Pass as the wrapper's `onDecision` (or call from yours) to journal every decision. */
  readonly onDecision: (decision: Decision, request: LlmRequest) => void;
  /** `{ policy, onDecision }`, to spread into wrapOpenAI / wrapAnthropic options. */
  readonly wrapOptions: { policy: PolicyEngine; onDecision: (decision: Decision, request: LlmRequest) => void };
  /** Flushes the journal and stops it. */
  close(): Promise<void>;
}

export class ServerUnreachableError extends Error {
  override name = 'ServerUnreachableError';
}

interface RemoteConfig {
  revision?: string;
  policies?: unknown[];
}

async function fetchConfig(options: ServerLinkOptions): Promise<{ config: RemoteConfig; etag: string | null }> {
  const send = options.fetch ?? fetch;
  const response = await send(new URL('/api/v1/config', options.serverUrl), {
    headers: { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' },
    signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
  });
  if (!response.ok) throw new Error(`GET /api/v1/config answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const config = (await response.json()) as RemoteConfig;
  if (!Array.isArray(config.policies)) throw new Error('GET /api/v1/config: the answer has no policies list');
  return { config, etag: response.headers.get('etag') };
}

/** What one decision becomes at the server's ingest (built when the batch is sent). */
function eventOf(decision: Decision, request: LlmRequest, includePrompts: boolean): Record<string, unknown> {
  const event: Record<string, unknown> = {
    request_id: decision.requestId,
    timestamp: decision.timestamp,
    model: decision.modifications.model?.to ?? request.model ?? 'unknown',
    input_tokens: decision.estimate.inputTokens,
    output_tokens: 0,
    // The worst case the engine reserved against; the provider's actual cost is not known yet.
    cost_usd: decision.estimate.costUsd,
    environment: decision.environment,
    labels: {
      ...request.labels,
      warden_decision: decision.action,
      ...(decision.rule ? { warden_rule: decision.rule } : {}),
      ...(decision.policy ? { warden_policy: decision.policy } : {}),
    },
  };
  if (decision.user) event.user = decision.user;
  if (includePrompts) {
    const messages = decision.modifications.messages ?? request.messages;
    event.prompt = messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '')).join(''))).join('\n').slice(0, 100_000);
    event.prompt_redacted = decision.modifications.messages !== undefined;
  }
  return event;
}

function localEngine(options: ServerLinkOptions): PolicyEngine {
  const local = options.localPolicy;
  if (local instanceof PolicyEngine) return local;
  return new PolicyEngine({ ...options.engineOptions, policies: [...(local ?? [])] });
}

/**
 * Connects the SDK to a Warden server: fetches the effective policy for the key (remote
 * overrides local) and starts the journal. If the server cannot be reached, the local
 * policy applies with a warning, or this throws ServerUnreachableError (`onUnreachable: 'refuse'`).
 */
export async function connectWarden(options: ServerLinkOptions): Promise<ServerLink> {
  const warn = options.warn ?? ((message: string) => process.emitWarning(message, 'WardenWarning'));
  let policy: PolicyEngine;
  let source: 'remote' | 'local';
  let revision: string | null = null;
  let etag: string | null = null;
  try {
    const fetched = await fetchConfig(options);
    policy = new PolicyEngine({ ...options.engineOptions, policies: fetched.config.policies as PolicyDocument[] });
    source = 'remote';
    revision = fetched.config.revision ?? null;
    etag = fetched.etag;
  } catch (err) {
    const message = `Warden server ${options.serverUrl} unreachable for remote config: ${(err as Error).message}`;
    if (options.onUnreachable === 'refuse') throw new ServerUnreachableError(message);
    warn(`${message}; using the local policy`);
    policy = localEngine(options);
    source = 'local';
  }
  const journal =
    options.journal === false
      ? undefined
      : new Journal({ ...options.journal, serverUrl: options.serverUrl, apiKey: options.apiKey, fetch: options.fetch, onError: options.journal?.onError ?? ((e) => warn(`Warden journal: ${e.message}`)) });
  const includePrompts = options.includePrompts ?? false;
  const onDecision = (decision: Decision, request: LlmRequest) => journal?.record(() => eventOf(decision, request, includePrompts));
  return {
    policy,
    source,
    revision,
    etag,
    journal,
    onDecision,
    wrapOptions: { policy, onDecision },
    close: async () => {
      await journal?.close();
    },
  };
}
