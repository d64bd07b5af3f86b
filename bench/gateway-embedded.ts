// Child process of bench/gateway.ts: Warden's gateway embedded with startGateway (the
// compiled package), the same policy and key as `warden serve` in the benchmark, the per-key
// rate limiter on (at a ceiling the benchmark never reaches), and no store: no audit trail,
// no key budget, no request log. Beside `warden serve` it shows what the request path costs
// on its own. Usage: gateway-embedded.ts <mock upstream origin>. Prints {"url"}.
import { compilePolicies } from '../dist/engine/engine.js';
import { hashVirtualKey, startGateway } from '../dist/gateway/index.js';
import type { CompletionRecord } from '../dist/gateway/index.js';
import { BENCH_KEY, benchPolicies } from './gateway-policy.js';
import { exitWithParent } from './gateway-processes.js';

exitWithParent();
const upstream = process.argv[2] as string;
const { docs } = benchPolicies();
// Completion records are what the audit trail consumes; without a store they are kept in a
// bounded batch, so the embedded gateway still builds and hands over one per call.
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
process.stdout.write(`${JSON.stringify({ url: gateway.url })}\n`);
