// SDK overhead: the same call through the raw official client and through wrapOpenAI,
// against the local mock upstream, alternated so both share the machine's noise; and the
// policy check alone (what the wrapper runs before an allowed call goes out).
// Target (issue 7): the wrapper adds under 50 µs p99 per call. Run: npm run bench -- sdk
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { startMockUpstream } from '../src/mock-upstream/index.js';
import { guard } from '../src/sdk/guard.js';
import { MaxCostPerRequestRule, PolicyEngine, RestrictModelRule, TagBasedModelDowngradeRule, wrapOpenAI } from '../src/sdk/index.js';
import { fmt, machine, summarize } from './stats.js';

const N = Number(process.env.BENCH_ITERATIONS ?? 3000);

const body = (i: number) => ({
  model: 'gpt-4o-mini',
  max_tokens: 256,
  messages: [
    { role: 'system' as const, content: 'You are a helpful assistant for Acme support. Answer briefly and cite the knowledge base.' },
    { role: 'user' as const, content: `Question ${i}: how do I reset my password on the billing portal, and what happens to my saved invoices?` },
  ],
});

const policies: { name: string; engine: () => PolicyEngine }[] = [
  {
    name: "seed 003's stateless rules (cost limit, model restriction, label downgrade)",
    engine: () =>
      new PolicyEngine({
        rules: [
          new MaxCostPerRequestRule({ maxUsd: 0.1 }),
          new RestrictModelRule({ disallowedModels: ['gpt-4o', 'gpt-4'], condition: (ctx) => ctx.labels.plan === 'free' }),
          new TagBasedModelDowngradeRule({ condition: 'labels.plan == "free"', downgradeTo: 'gpt-4o-mini' }),
        ],
      }),
  },
  {
    name: '9 rules with detectors (model access, token ceiling, cost limit, 30 regexes, approval, downgrade, pii, secrets, prompt injection)',
    engine: () =>
      new PolicyEngine({
        policies: [
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
        ],
      }),
  },
];

const mock = await startMockUpstream();
try {
  console.log(`## SDK wrapper (${machine()})\n`);
  console.log(`${N.toLocaleString('en-US')} alternating calls per path with the official openai client against the local mock upstream (one process), then the policy check alone.\n`);
  console.log('| policy | raw p50 / p99 µs | wrapped p50 / p99 µs | difference p50 / p99 µs | added in place p50 / p99 µs | check alone p50 / p99 µs |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const { name, engine } of policies) {
    const raw = new OpenAI({ apiKey: 'sk-bench', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const policy = engine();
    // The wrapped client's own create marks when the wrapper hands the call over, so each
    // wrapped call also measures, in place, the time the wrapper spent before the send.
    const inner = new OpenAI({ apiKey: 'sk-bench', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    let handedOver = 0;
    const create = inner.chat.completions.create;
    inner.chat.completions.create = function (this: unknown, ...args: unknown[]) {
      handedOver = performance.now();
      return (create as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof create;
    const wrapped = wrapOpenAI(inner, { policy });
    for (let i = 0; i < 300; i++) {
      await raw.chat.completions.create(body(i));
      await wrapped.chat.completions.create(body(i));
    }
    const rawUs = new Float64Array(N);
    const wrappedUs = new Float64Array(N);
    const inPlaceUs = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      // Alternate the order so neither path always runs on a warmer connection.
      for (const which of i % 2 === 0 ? ['raw', 'wrapped'] : ['wrapped', 'raw']) {
        const request = body(i);
        const t0 = performance.now();
        await (which === 'raw' ? raw : wrapped).chat.completions.create(request);
        (which === 'raw' ? rawUs : wrappedUs)[i] = (performance.now() - t0) * 1000;
        if (which === 'wrapped') inPlaceUs[i] = (handedOver - t0) * 1000;
      }
    }
    const settings = { engine: policy, tenant: { org: 'default' }, labels: {}, now: Date.now };
    const checkUs = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      guard('openai.chat', body(i), undefined, settings);
      checkUs[i] = (performance.now() - t0) * 1000;
    }
    const r = summarize(rawUs);
    const w = summarize(wrappedUs);
    const g = summarize(checkUs);
    const a = summarize(inPlaceUs);
    console.log(`| ${name} | ${fmt(r.p50)} / ${fmt(r.p99)} | ${fmt(w.p50)} / ${fmt(w.p99)} | ${fmt(w.p50 - r.p50)} / ${fmt(w.p99 - r.p99)} | ${fmt(a.p50)} / ${fmt(a.p99)} | ${fmt(g.p50)} / ${fmt(g.p99)} |`);
  }
} finally {
  await mock.close();
}
