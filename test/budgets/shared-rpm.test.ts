// Seed 004's per-key requests-per-minute limit holds across gateways that share a counter
// store (Redis in production; one store object here), not per replica: LiteLLM's
// multi-replica limits read local memory only, and each replica then allows the full rate.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCounterStore } from '../../src/counters/index.js';
import { compilePolicies } from '../../src/engine/engine.js';
import { startGateway } from '../../src/gateway/index.js';
import type { Gateway } from '../../src/gateway/index.js';
import { type MockUpstream, startMockUpstream } from '../../src/mock-upstream/index.js';
import { DEV_KEY, KEYS } from '../gateway/harness.js';

let mock: MockUpstream;
const gateways: Gateway[] = [];

beforeAll(async () => {
  mock = await startMockUpstream();
  const counters = createMemoryCounterStore();
  for (let i = 0; i < 2; i++) {
    gateways.push(
      await startGateway({
        policies: compilePolicies([]),
        keys: KEYS,
        upstreams: { openai: { baseUrl: `${mock.url}/v1`, apiKey: 'sk-upstream' } },
        counters,
        rateLimit: { requestsPerMinute: 5 },
      }),
    );
  }
});

afterAll(async () => {
  for (const g of gateways) await g.close();
  await mock.close();
});

describe('per-key rate limit across gateways', () => {
  it('admits the key 5 requests per minute in total, whichever gateway they reach', async () => {
    const clients = gateways.map((g) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: DEV_KEY, maxRetries: 0 }));
    const results: string[] = [];
    for (let i = 0; i < 6; i++) {
      const client = clients[i % 2] as OpenAI;
      try {
        const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hi ${i}` }] }).withResponse();
        results.push(`ok:${response.headers.get('ratelimit-remaining')}`);
      } catch (err) {
        results.push(err instanceof OpenAI.RateLimitError ? 'limited' : String(err));
      }
    }
    expect(results).toEqual(['ok:4', 'ok:3', 'ok:2', 'ok:1', 'ok:0', 'limited']);
    expect(mock.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(5);
  });
});
