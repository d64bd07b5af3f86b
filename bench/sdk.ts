// SDK overhead: the same call through the raw official client and through wrapOpenAI,
// against the local mock upstream, alternated so both share the machine's noise.
// Target (issue 7): the wrapper adds under 50 µs p99 per call. Run: npm run bench -- sdk
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { startMockUpstream } from '../src/mock-upstream/index.js';
import { guard } from '../src/sdk/guard.js';
import { PolicyEngine, wrapOpenAI } from '../src/sdk/index.js';
import { fmt, machine, summarize } from './stats.js';

const N = Number(process.env.BENCH_ITERATIONS ?? 3000);
const mock = await startMockUpstream();
try {
  const raw = new OpenAI({ apiKey: 'sk-bench', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  const policy = [
    {
      policy_name: 'sdk_bench',
      rules: [
        { type: 'model_access', models: ['gpt-4o-mini', 'gpt-4o'] },
        { type: 'token_ceiling', max_input_tokens: 8000 },
        { type: 'max_cost_per_request', max_usd: 1 },
        { type: 'content_filter', patterns: Array.from({ length: 30 }, (_, i) => `(?i)forbidden_${i}_[a-z]{3,8}\\d+`) },
        { type: 'approval_threshold', threshold_usd: 5 },
        { type: 'model_downgrade', when: 'labels.plan == "free"', fallback: 'gpt-4o-mini' },
        { type: 'pii' },
        { type: 'secrets' },
        { type: 'prompt_injection' },
      ],
    },
  ];
  const wrapped = wrapOpenAI(new OpenAI({ apiKey: 'sk-bench', baseURL: `${mock.url}/v1`, maxRetries: 0 }), { policy });
  const body = (i: number) => ({
    model: 'gpt-4o-mini',
    max_tokens: 256,
    messages: [
      { role: 'system' as const, content: 'You are a helpful assistant for Acme support. Answer briefly and cite the knowledge base.' },
      { role: 'user' as const, content: `Question ${i}: how do I reset my password on the billing portal, and what happens to my saved invoices?` },
    ],
  });
  for (let i = 0; i < 300; i++) {
    await raw.chat.completions.create(body(i));
    await wrapped.chat.completions.create(body(i));
  }
  const rawUs = new Float64Array(N);
  const wrappedUs = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    // Alternate the order so neither path always runs on a warmer connection.
    const first = i % 2 === 0;
    for (const which of first ? ['raw', 'wrapped'] : ['wrapped', 'raw']) {
      const t0 = performance.now();
      await (which === 'raw' ? raw : wrapped).chat.completions.create(body(i));
      (which === 'raw' ? rawUs : wrappedUs)[i] = (performance.now() - t0) * 1000;
    }
  }
  const r = summarize(rawUs);
  const w = summarize(wrappedUs);
  // The policy check itself, without the network: exactly what the wrapper runs before an
  // allowed call goes out (parse, every rule, the decision).
  const engine = new PolicyEngine({ policies: policy as never });
  const settings = { engine, tenant: { org: 'default' }, labels: {}, now: Date.now };
  const guardUs = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    guard('openai.chat', body(i), undefined, settings);
    guardUs[i] = (performance.now() - t0) * 1000;
  }
  const g = summarize(guardUs);
  console.log(`## SDK wrapper (${machine()})\n`);
  console.log(`${N.toLocaleString('en-US')} alternating calls each, official openai client against the local mock upstream; 9 rules (model access, token ceiling, cost limit, 30 regexes, approval threshold, conditional downgrade, pii, secrets, prompt injection).\n`);
  console.log('| path | p50 µs | p99 µs | mean µs |');
  console.log('|---|---:|---:|---:|');
  console.log(`| raw client | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.mean)} |`);
  console.log(`| wrapOpenAI | ${fmt(w.p50)} | ${fmt(w.p99)} | ${fmt(w.mean)} |`);
  console.log(`| added by the wrapper (difference) | ${fmt(w.p50 - r.p50)} | ${fmt(w.p99 - r.p99)} | ${fmt(w.mean - r.mean)} |`);
  console.log(`| the policy check alone (allowed call, no network) | ${fmt(g.p50)} | ${fmt(g.p99)} | ${fmt(g.mean)} |`);
} finally {
  await mock.close();
}
