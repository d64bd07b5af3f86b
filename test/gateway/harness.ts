import { EventEmitter, once } from 'node:events';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { compilePolicies } from '../../src/engine/engine.js';
import { hashVirtualKey } from '../../src/gateway/auth.js';
import { startGateway } from '../../src/gateway/start-gateway.js';
import type { CompletionRecord, Gateway, GatewayOptions, KeyRecord } from '../../src/gateway/types.js';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';

export const DEV_KEY = 'wk_dev_0123456789abcdef';
export const LIMITED_KEY = 'wk_lim_0123456789abcdef';
export const UPSTREAM_OPENAI_KEY = 'sk-upstream-openai-secret';
export const UPSTREAM_ANTHROPIC_KEY = 'sk-ant-upstream-secret';

export const KEYS: KeyRecord[] = [
  { id: 'key_dev', sha256: hashVirtualKey(DEV_KEY), org: 'acme', team: 'search', user: 'dev@acme.com', environment: 'development' },
  { id: 'key_limited', sha256: hashVirtualKey(LIMITED_KEY), org: 'acme', user: 'bot@acme.com', rpmLimit: 2 },
];

export const POLICIES = [
  {
    policy_name: 'dev_team_restrictions',
    rules: [
      { type: 'model_access', models: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'text-embedding-3-small', 'claude-3-5-haiku-latest', 'claude-sonnet-4-5'] },
      { type: 'content_filter', name: 'no_api_keys', patterns: ['api_key'], action: 'block' },
      { type: 'content_filter', name: 'redact_codes', patterns: ['SECRET-[0-9]+'], action: 'redact' },
      { type: 'approval_threshold', threshold_usd: 0.000001, when: 'model == "gpt-4.1"' },
      { type: 'model_downgrade', fallback: 'gpt-4o-mini', models: ['gpt-4o'], when: '"tier" in labels && labels.tier == "cheap"' },
    ],
  },
];

export interface Stack {
  mock: MockUpstream;
  gateway: Gateway;
  records: CompletionRecord[];
  openai: OpenAI;
  anthropic: Anthropic;
  /** Resolves with the completion record of a request id once the gateway reported it. */
  record(requestId: string): Promise<CompletionRecord>;
  /** Resolves once the gateway has reported at least `count` completion records. */
  recordCount(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(overrides: Partial<GatewayOptions> = {}): Promise<Stack> {
  const mock = await startMockUpstream();
  const records: CompletionRecord[] = [];
  const completed = new EventEmitter();
  const gateway = await startGateway({
    policies: compilePolicies(POLICIES),
    keys: KEYS,
    upstreams: {
      openai: { baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_OPENAI_KEY },
      anthropic: { baseUrl: mock.url, apiKey: UPSTREAM_ANTHROPIC_KEY },
    },
    onComplete: (record) => {
      records.push(record);
      completed.emit('complete', record);
    },
    ...overrides,
  });
  const record = async (requestId: string): Promise<CompletionRecord> => {
    for (;;) {
      const found = records.find((r) => r.requestId === requestId);
      if (found) return found;
      await once(completed, 'complete');
    }
  };
  const recordCount = async (count: number): Promise<void> => {
    while (records.length < count) await once(completed, 'complete');
  };
  return {
    mock,
    gateway,
    records,
    recordCount,
    openai: new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: DEV_KEY, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: gateway.url, apiKey: DEV_KEY, maxRetries: 0 }),
    record,
    async close() {
      await gateway.close();
      await mock.close();
    },
  };
}

/** A raw request to the gateway (for what the SDKs will not send). */
export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${DEV_KEY}`, ...headers } });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}
