// Engine benchmark: decide() latency for a 20-rule org policy and for 10,000 rules across
// 1,000 teams, compile time and memory. Run: npm run bench -- engine  (or: npx tsx bench/engine.ts)
import { performance } from 'node:perf_hooks';
import { defaultPolicy } from '../src/config/default-policy.js';
import { compilePolicies } from '../src/engine/engine.js';
import type { LlmRequest, Tenant } from '../src/engine/types.js';
import { fmt, machine, summarize } from './stats.js';

const WORDS = 'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their can has more if no out so said what up its about into than them only some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');

let seed = 42;
function random(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
function prose(chars: number): string {
  let out = '';
  while (out.length < chars) out += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return out.slice(0, chars);
}

/** Text the tokenizer has never seen: identifiers and numbers, the worst case for token counting. */
function identifiers(chars: number): string {
  let out = '';
  while (out.length < chars) out += `${WORDS[Math.floor(random() * WORDS.length)]}_${Math.floor(random() * 1e9).toString(36)} `;
  return out.slice(0, chars);
}

const SYSTEM = `You are a support assistant for Acme. ${prose(950)}`;
const HISTORY = [prose(200), prose(200)];

/** ~2 KB conversation: the system prompt and history repeat (as they do in real traffic); the last message is new. */
function conversation(i: number, freshAll: boolean, text: (chars: number) => string = prose): LlmRequest {
  return {
    requestId: `req_${i}`,
    provider: 'openai',
    endpoint: 'chat',
    model: i % 3 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
    messages: [
      { role: 'system', content: freshAll ? text(1000) : SYSTEM },
      { role: 'user', content: freshAll ? text(200) : (HISTORY[0] as string) },
      { role: 'assistant', content: freshAll ? text(200) : (HISTORY[1] as string) },
      { role: 'user', content: text(600) },
    ],
    maxOutputTokens: 512,
    stream: false,
    labels: { plan: i % 2 ? 'pro' : 'free' },
  };
}

const patterns = Array.from({ length: 30 }, (_, i) => `(?i)forbidden_${i}_[a-z]{3,8}\\d+`);
const keywords = Array.from({ length: 20 }, (_, i) => `codeword-${i}`);

function orgPolicy20() {
  return [
    {
      policy_name: 'org_baseline',
      scope: { org: 'acme' },
      rules: [
        { type: 'model_access', models: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1*', 'claude-*'], blocked_models: ['gpt-4-32k'] },
        { type: 'key_environment_check', prod_key_prefixes: ['sk_live_', 'sk-ant-api03-'], allowed_envs: ['production'] },
        { type: 'token_ceiling', max_input_tokens: 16000 },
        { type: 'max_cost_per_request', max_usd: 2 },
        { type: 'approval_threshold', threshold_usd: 5 },
        { type: 'content_filter', name: 'banned_regexes', patterns, action: 'block' },
        { type: 'content_filter', name: 'codewords', keywords, action: 'flag' },
        { type: 'model_downgrade', name: 'free_to_mini', when: 'labels.plan == "free"', fallback: 'gpt-4o-mini' },
        { type: 'model_downgrade', name: 'expensive_to_mini', threshold_usd: 1, fallback: 'gpt-4o-mini' },
        { type: 'model_access', name: 'interns', roles: ['intern'], models: ['gpt-4o-mini'] },
      ],
    },
    {
      policy_name: 'search_team',
      scope: { org: 'acme', team: 'search' },
      rules: [
        { type: 'token_ceiling', when: 'environment == "development"', max_input_tokens: 4000 },
        { type: 'content_filter', name: 'team_terms', keywords: ['project-zeus', 'internal-only'], action: 'block' },
        { type: 'max_cost_per_request', name: 'batch_cap', when: 'has(labels.tier) && labels.tier == "batch"', max_usd: 0.1 },
        { type: 'approval_threshold', name: 'flag_over_1', threshold_usd: 1, action: 'flag' },
        { type: 'model_access', name: 'no_o1', blocked_models: ['o1*'] },
      ],
    },
    {
      policy_name: 'production_overrides',
      scope: { org: 'acme' },
      environment: 'production',
      rules: [
        { type: 'content_filter', name: 'prod_terms', patterns: ['(?i)drop\\s+table', '(?i)rm\\s+-rf\\s+/'], action: 'block' },
        { type: 'key_environment_check', prod_key_prefixes: ['sk_test_'], allowed_envs: ['development', 'staging'] },
        { type: 'token_ceiling', max_input_tokens: 32000 },
        { type: 'max_cost_per_request', max_usd: 3 },
        { type: 'model_downgrade', name: 'night_to_mini', when: 'hour < 6', fallback: 'gpt-4o-mini' },
      ],
    },
  ];
}

function teamPolicies(teams: number) {
  return Array.from({ length: teams }, (_, t) => ({
    policy_name: `team_${t}`,
    scope: { org: 'bigco', team: `team-${t}` },
    rules: [
      { type: 'model_access', models: ['gpt-4o', 'gpt-4o-mini', `ft:gpt-4o-mini:team-${t}*`] },
      { type: 'token_ceiling', max_input_tokens: 8000 + t },
      { type: 'max_cost_per_request', max_usd: 1 + (t % 10) },
      { type: 'content_filter', patterns: [`(?i)secret-${t}-\\w+`, `(?i)team${t}_key_[a-z0-9]{8}`, 'password\\s*=', `codename-${t}`, `(?i)leak${t}`] },
      { type: 'approval_threshold', threshold_usd: 10 + t },
      { type: 'model_downgrade', when: `labels.plan == "free"`, fallback: 'gpt-4o-mini' },
      { type: 'key_environment_check', prod_key_prefixes: ['sk_live_'], allowed_envs: ['production'] },
      { type: 'content_filter', name: 'words', keywords: [`word-${t}`, 'confidential'], action: 'flag' },
      { type: 'token_ceiling', name: 'dev_ceiling', when: 'environment == "development"', max_input_tokens: 4000 },
      { type: 'max_cost_per_request', name: 'batch', when: 'has(labels.tier)', max_usd: 0.5 },
    ],
  }));
}

const WARMUP = 2000;

/**
 * Times `run(0)` to `run(n - 1)` after warming up on `run(n)` to `run(n + WARMUP - 1)`: each
 * row's requests are its own (see `conversations`), so no measured text was seen before by a
 * cache (token counts, detector findings), in the warm-up or in an earlier row.
 */
function measure(label: string, n: number, run: (i: number) => void): { label: string; p50: number; p99: number; mean: number; n: number } {
  for (let i = 0; i < WARMUP; i++) run(n + i); // warm up JIT and caches
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    run(i);
    samples[i] = (performance.now() - t0) * 1000;
  }
  return { label, n, ...summarize(samples) };
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const now = Date.parse('2026-11-22T12:00:00Z');
const N = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const rows: ReturnType<typeof measure>[] = [];

// 1. 20-rule org policy
const set20 = compilePolicies(orgPolicy20(), { unknownPrice: 'allow' });
const tenant20: Tenant = { org: 'acme', team: 'search', environment: 'production', keyPrefix: 'wk_live_0000', role: 'engineer' };
/** `n` measured requests and the warm-up's, built for one row. */
const conversations = (n: number, freshAll: boolean, text?: (chars: number) => string) => Array.from({ length: n + WARMUP }, (_, i) => conversation(i, freshAll, text));
const reqs = conversations(N, false);
rows.push(measure(`20 rules, ~2 KB conversation (history repeats, last message new)`, N, (i) => set20.decide(reqs[i] as LlmRequest, tenant20, now)));
const fresh = conversations(5000, true);
rows.push(measure(`20 rules, ~2 KB all-new prose (no cache hits)`, 5000, (i) => set20.decide(fresh[i] as LlmRequest, tenant20, now)));
const unseen = conversations(5000, true, identifiers);
rows.push(measure(`20 rules, ~2 KB all-new identifiers and numbers (worst case for token counting)`, 5000, (i) => set20.decide(unseen[i] as LlmRequest, tenant20, now)));

// DESIGN's headline: the shipped default policy (every detector) on a ~2 KB prompt, alone and
// together with the 20-rule org policy.
const defaults = defaultPolicy([]) as Record<string, unknown>;
const setDefault = compilePolicies([defaults], { unknownPrice: 'allow' });
const reqsDefault = conversations(N, false);
rows.push(measure(`default policy (secrets, pii, injection, exfiltration, encoding), ~2 KB conversation`, N, (i) => setDefault.decide(reqsDefault[i] as LlmRequest, tenant20, now)));
const freshDefault = conversations(5000, true);
rows.push(measure(`default policy, ~2 KB all-new prose (no cache hits)`, 5000, (i) => setDefault.decide(freshDefault[i] as LlmRequest, tenant20, now)));
const setBoth = compilePolicies([...orgPolicy20(), defaults], { unknownPrice: 'allow' });
const reqsBoth = conversations(N, false);
rows.push(measure(`20 rules + default policy (all detectors), ~2 KB conversation`, N, (i) => setBoth.decide(reqsBoth[i] as LlmRequest, tenant20, now)));
const freshBoth = conversations(5000, true);
rows.push(measure(`20 rules + default policy, ~2 KB all-new prose (no cache hits)`, 5000, (i) => setBoth.decide(freshBoth[i] as LlmRequest, tenant20, now)));

// 2. 10,000 rules across 1,000 teams
const before = heapMb();
const docs = teamPolicies(1000);
const t0 = performance.now();
const big = compilePolicies(docs, { unknownPrice: 'allow' });
const compileMs = performance.now() - t0;
const after = heapMb();
const teamTenants: Tenant[] = Array.from({ length: 1000 }, (_, t) => ({ org: 'bigco', team: `team-${t}`, environment: 'production' }));
const reqsBig = conversations(N, false);
rows.push(measure(`10,000 rules / 1,000 teams, ~2 KB conversation`, N, (i) => big.decide(reqsBig[i] as LlmRequest, teamTenants[(i * 7919) % 1000] as Tenant, now)));

console.log(`## Engine (${machine()})\n`);
console.log('| scenario | decisions | p50 µs | p99 µs | mean µs |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.label} | ${r.n.toLocaleString('en-US')} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.mean)} |`);
console.log(`\n| compile | value |\n|---|---:|\n| 10,000 rules (1,000 policies) compile time | ${fmt(compileMs, 0)} ms |\n| heap for the compiled 10,000 rules | ${fmt(after - before)} MB${(globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for an exact figure)'} |\n| rules in set | ${big.ruleCount.toLocaleString('en-US')} |`);
