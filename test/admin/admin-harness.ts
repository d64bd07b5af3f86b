// An in-process `warden serve` with a store: gateway, admin API and the mock upstream,
// the way serve-command wires them (openControlPlane), on a fresh SQLite file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startGateway } from '../../src/gateway/start-gateway.js';
import type { CompletionRecord, Gateway, GatewayOptions } from '../../src/gateway/types.js';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';
import { type ControlPlane, type ControlPlaneOptions, openControlPlane } from '../../src/policies-live/control-plane.js';

export const OPERATOR_TOKEN = 'wdn_operator_0123456789abcdef';

export interface ApiResult {
  status: number;
  headers: Headers;
  // Response bodies are asserted field by field; a loose type keeps the tests readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface AdminStack {
  url: string;
  dataDir: string;
  mock: MockUpstream;
  gateway: Gateway;
  control: ControlPlane;
  records: CompletionRecord[];
  api(method: string, path: string, token: string | undefined, body?: unknown, headers?: Record<string, string>): Promise<ApiResult>;
  openai(key: string): OpenAI;
  close(): Promise<void>;
}

export async function startAdminStack(options: Partial<ControlPlaneOptions> = {}, gatewayOptions: Partial<GatewayOptions> = {}): Promise<AdminStack> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'warden-admin-'));
  const mock = await startMockUpstream();
  const control = await openControlPlane({
    env: { WARDEN_ADMIN_TOKEN: OPERATOR_TOKEN },
    dataDir,
    baseDocuments: [],
    defaultPolicy: true,
    engine: {},
    configKeys: [],
    webhooks: [],
    pollMs: 100,
    ...options,
  });
  const records: CompletionRecord[] = [];
  const gateway = await startGateway({
    keys: options.configKeys ?? [],
    upstreams: { openai: { baseUrl: `${mock.url}/v1`, apiKey: 'sk-upstream' }, anthropic: { baseUrl: mock.url, apiKey: 'sk-ant-upstream' } },
    rateLimit: false,
    adminToken: OPERATOR_TOKEN,
    ...control.gatewayOptions,
    onComplete: (r) => records.push(r),
    ...gatewayOptions,
  });
  const api = async (method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult> => {
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, json };
  };
  return {
    url: gateway.url,
    dataDir,
    mock,
    gateway,
    control,
    records,
    api,
    openai: (key) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 }),
    async close() {
      await gateway.close();
      await control.close();
      await mock.close();
    },
  };
}
