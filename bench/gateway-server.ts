// Child process of bench/gateway.ts: Warden's gateway with the full default policy, one
// virtual key and the per-key rate limiter on (at a ceiling the benchmark never reaches).
// Usage: gateway-server.ts <mock upstream origin>. Prints {"url", "ruleTypes", "ruleCount"}.
import { compilePolicies } from '../src/engine/engine.js';
import { hashVirtualKey, startGateway } from '../src/gateway/index.js';
import type { CompletionRecord } from '../src/gateway/index.js';
import { BENCH_KEY, benchPolicies } from './gateway-policy.js';
import { exitWithParent } from './gateway-processes.js';

exitWithParent();
const upstream = process.argv[2] as string;
const { docs, ruleTypes, ruleCount } = benchPolicies();
// Completion records are what audit and budget settlement consume; the gateway does not
// write them anywhere yet, so the benchmark keeps a bounded batch like an audit writer would.
const batch: CompletionRecord[] = [];
const gateway = await startGateway({
  policies: compilePolicies(docs),
  keys: [{ id: 'key_bench', sha256: hashVirtualKey(BENCH_KEY), org: 'acme', team: 'search', user: 'bench@acme.com', environment: 'production' }],
  upstreams: {
    openai: { baseUrl: `${upstream}/v1`, apiKey: 'sk-bench-upstream' },
    anthropic: { baseUrl: upstream, apiKey: 'sk-ant-bench-upstream' },
  },
  rateLimit: { requestsPerMinute: 1_000_000_000 },
  onComplete: (record) => {
    batch.push(record);
    if (batch.length >= 1_000) batch.length = 0;
  },
});
process.once('SIGTERM', () => {
  void gateway.close().finally(() => process.exit(0));
});
process.stdout.write(`${JSON.stringify({ url: gateway.url, ruleTypes, ruleCount })}\n`);
