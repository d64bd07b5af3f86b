// Load generation for the gateway benchmark, with undici (no extra packages): sequential
// requests for added latency, a closed loop of N connections for throughput.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { BENCH_MODEL } from './gateway-policy.js';
import { summarize } from './stats.js';

export interface Target {
  name: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  headers: Record<string, string>;
}

export const CHAT_PATH = '/v1/chat/completions';

const WORDS = 'the of and to in is that for it as was with be by on not this are or from at which but have an they you were there been one all we their can has more if no out so what up about into than them only some could time these two may then do first any now such like our over even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see work long get here between both life being under never day same another know while last might great old year off come since against go came right used take three'.split(' ');

let seed = 7;
function prose(chars: number): string {
  let out = '';
  while (out.length < chars) {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    out += `${WORDS[Math.floor((seed / 0x80000000) * WORDS.length)]} `;
  }
  return out.slice(0, chars).trim();
}

// A ~2 KB conversation, as chat traffic looks: the system prompt and history repeat on every
// call, the last user message is new (a unique number in it defeats any cache keyed on text).
const SYSTEM = `You are a support assistant for Acme. ${prose(950)}`;
const HISTORY = [prose(200), prose(200)];
const LAST = prose(600);
const [HEAD, TAIL] = JSON.stringify({
  model: BENCH_MODEL,
  max_tokens: 256,
  user: 'bench@acme.com',
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: HISTORY[0] },
    { role: 'assistant', content: HISTORY[1] },
    { role: 'user', content: `Question #@@: ${LAST}` },
  ],
}).split('@@') as [string, string];
let sequence = 0;

/** A fresh chat completion body; about 2 KB. */
export function chatBody(): string {
  return `${HEAD}${++sequence}${TAIL}`;
}

const COMMON_HEADERS = { 'content-type': 'application/json', 'x-warden-labels': '{"feature":"support","tier":"standard"}' };

async function once(pool: Pool, target: Target): Promise<number> {
  const { statusCode, body } = await pool.request({ path: CHAT_PATH, method: 'POST', headers: { ...COMMON_HEADERS, ...target.headers }, body: chatBody() });
  if (statusCode !== 200) {
    const text = await body.text();
    throw new Error(`${target.name} answered ${statusCode}: ${text.slice(0, 300)}`);
  }
  await body.dump({ limit: 1 << 20 });
  return statusCode;
}

/** One request, checked: 200 and the mock's echo in an OpenAI chat.completion. */
export async function verify(target: Target): Promise<Record<string, string>> {
  const pool = new Pool(target.origin, { connections: 1 });
  try {
    const res = await pool.request({ path: CHAT_PATH, method: 'POST', headers: { ...COMMON_HEADERS, ...target.headers }, body: chatBody() });
    const text = await res.body.text();
    const json = JSON.parse(text) as { object?: string; choices?: { message?: { content?: string } }[] };
    const content = json.choices?.[0]?.message?.content ?? '';
    if (res.statusCode !== 200 || json.object !== 'chat.completion' || !content.startsWith('Echo: Question #')) {
      throw new Error(`${target.name}: unexpected answer ${res.statusCode} ${text.slice(0, 300)}`);
    }
    return Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)]));
  } finally {
    await pool.close();
  }
}

export interface LatencyResult {
  name: string;
  /** Microseconds per request, in the order sent. */
  samples: Float64Array;
  p50: number;
  p99: number;
  mean: number;
}

/**
 * One request in flight at a time, the targets alternated request by request (the first
 * target rotates) so that every target sees the same machine noise.
 */
export async function sequentialLatency(targets: Target[], count: number, warmup: number): Promise<LatencyResult[]> {
  const pools = targets.map((t) => new Pool(t.origin, { connections: 1, keepAliveTimeout: 30_000 }));
  const samples = targets.map(() => new Float64Array(count));
  try {
    for (let i = 0; i < warmup; i++) for (const [t, target] of targets.entries()) await once(pools[t] as Pool, target);
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < targets.length; k++) {
        const t = (i + k) % targets.length;
        const started = performance.now();
        await once(pools[t] as Pool, targets[t] as Target);
        (samples[t] as Float64Array)[i] = (performance.now() - started) * 1000;
      }
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return targets.map((target, t) => ({ name: target.name, samples: samples[t] as Float64Array, ...summarize(samples[t] as Float64Array) }));
}

export interface ThroughputResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  /** Requests per second of each slice, in order. */
  slices: number[];
  p50: number;
  p99: number;
}

/** A closed loop against one target: `connections` requests always in flight, a slice at a time. */
export class LoadGenerator {
  private readonly pool: Pool;
  private readonly latencies: number[] = [];
  private readonly slices: number[] = [];
  private requests = 0;
  private errors = 0;
  private seconds = 0;
  private firstError: unknown;

  constructor(
    private readonly target: Target,
    private readonly connections: number,
  ) {
    this.pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  /** Runs for `durationMs`; with `record` false (a warm-up) nothing is counted. */
  async run(durationMs: number, record = true): Promise<number> {
    let done = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    await Promise.all(
      Array.from({ length: this.connections }, async () => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          try {
            await once(this.pool, this.target);
            done++;
            if (record) this.latencies.push((performance.now() - t0) * 1000);
          } catch (err) {
            if (record) this.errors++;
            this.firstError ??= err;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (!done && this.firstError) throw this.firstError;
    if (record) {
      this.requests += done;
      this.seconds += seconds;
      this.slices.push(done / seconds);
    }
    return done / seconds;
  }

  result(): ThroughputResult {
    const { p50, p99 } = summarize(Float64Array.from(this.latencies));
    return { name: this.target.name, requests: this.requests, errors: this.errors, seconds: this.seconds, rps: this.requests / this.seconds, slices: [...this.slices], p50, p99 };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
