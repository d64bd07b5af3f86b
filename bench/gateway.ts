// Gateway benchmark: the mock upstream called directly, through a bare undici proxy, through
// Warden with the full default policy, and through the Portkey gateway, side by side in one run.
// Added latency with one request in flight, and throughput at 50 connections.
// Run: npm run bench -- gateway  (or: npx tsx bench/gateway.ts). Progress on stderr, tables on stdout.
// Knobs: BENCH_LATENCY_REQUESTS (2000), BENCH_SLICES (15), BENCH_SLICE_MS (1000),
// BENCH_CONNECTIONS (50), BENCH_SKIP_PORTKEY=1, BENCH_PORTKEY_REINSTALL=1.
import { performance } from 'node:perf_hooks';
import { LoadGenerator, type LatencyResult, type Target, type ThroughputResult, chatBody, sequentialLatency, verify } from './gateway-load.js';
import { BENCH_KEY } from './gateway-policy.js';
import { installPortkey, portkeyHeaders, startPortkey } from './gateway-portkey.js';
import { type ServerProcess, benchScript, cpuSeconds, rssMb, startProcess, stopAll } from './gateway-processes.js';
import { type WardenServe, startWardenServe } from './gateway-serve.js';
import { type Nginx, startNginx } from './gateway-nginx.js';
import { fmt, machine, median } from './stats.js';

const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 2_000);
// Throughput runs in short slices, the paths taking turns (the first one rotating), so a
// burst of load from elsewhere on a shared machine hits every path alike.
const SLICES = Math.max(1, Number(process.env.BENCH_SLICES ?? 15));
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 1_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP_MS = 2_000;
const TARGETS = { addedP50Ms: 0.25, addedP99Ms: 1, vsBareProxy: 0.5, vsPortkey: 8 };

const log = (line: string) => console.error(`[gateway bench] ${line}`);
const ms = (us: number) => fmt(us / 1000, 3);

function tsxChild(name: string, script: string, args: string[]): Promise<ServerProcess> {
  return startProcess({ name, args: ['--import', 'tsx', benchScript(script), ...args] });
}

/** The median over the slice turns of a / b: each turn measured the two paths a few seconds apart. */
function turnRatio(runs: Map<string, ThroughputResult>, a: string, b: string): number {
  const x = runs.get(a)?.slices ?? [];
  const y = runs.get(b)?.slices ?? [];
  return median(x.map((v, i) => v / (y[i] ?? Number.NaN)).filter(Number.isFinite));
}

/** Proves the policy is live in the Warden under test: a banned pattern must be refused. */
async function assertWardenEnforces(warden: Target): Promise<void> {
  const body = chatBody().replace('Question #', 'About Project Zeus, question #');
  const res = await fetch(`${warden.origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...warden.headers }, body });
  const text = await res.text();
  if (res.status !== 403 || !text.includes('banned_patterns')) throw new Error(`Warden did not refuse a banned pattern: ${res.status} ${text.slice(0, 300)}`);
}

let wardenServe: WardenServe | undefined;
let nginxServer: Nginx | undefined;

async function main(): Promise<void> {
  const began = performance.now();
  log(`latency: ${LATENCY_REQUESTS} sequential requests per path; throughput: ${CONNECTIONS} connections, ${SLICES} x ${SLICE_MS} ms per path`);
  const mock = await tsxChild('mock upstream', 'gateway-mock.ts', []);
  const [warden, bare, embedded, relay] = await Promise.all([
    startWardenServe(mock.url),
    tsxChild('bare proxy', 'gateway-bare-proxy.ts', [mock.url]),
    tsxChild('warden embedded', 'gateway-embedded.ts', [mock.url]),
    tsxChild('tcp relay', 'gateway-tcp-relay.ts', [mock.url]),
  ]);
  wardenServe = warden;
  const upstreamAuth = { authorization: 'Bearer sk-bench-upstream' };
  const targets: Target[] = [
    { name: 'direct to the mock upstream', origin: mock.url, headers: upstreamAuth },
    { name: 'bare undici proxy', origin: bare.url, headers: upstreamAuth },
    { name: 'Warden (warden serve), full policy + audit + budget', origin: warden.url, headers: { authorization: `Bearer ${BENCH_KEY}` } },
  ];
  const [, , wardenTarget] = targets as [Target, Target, Target];
  // The process that serves each path (for the direct path, the mock itself), for its CPU time.
  const pidOf = new Map<Target, number>(targets.map((t, i) => [t, [mock.pid, bare.pid, warden.pid][i] as number]));
  // The same policy embedded with startGateway and no store: the request path on its own.
  const embeddedTarget: Target = { name: 'Warden embedded gateway, same policy, no store (no audit, budget or log)', origin: embedded.url, headers: { authorization: `Bearer ${BENCH_KEY}` } };
  targets.push(embeddedTarget);
  pidOf.set(embeddedTarget, embedded.pid);
  // A TCP byte relay in Node: the hop alone, without an HTTP stack.
  const relayTarget: Target = { name: 'Node TCP byte relay (no HTTP parsing, reference)', origin: relay.url, headers: upstreamAuth };
  targets.push(relayTarget);
  pidOf.set(relayTarget, relay.pid);
  // nginx, when installed: one proxy hop in C, the floor any proxy pays on this machine.
  const nginx = await startNginx(mock.url);
  let nginxNote: string;
  if (typeof nginx === 'string') {
    nginxNote = `nginx reference row skipped: ${nginx}`;
  } else {
    nginxServer = nginx;
    nginxNote = `nginx ${nginx.version} reverse proxy (one worker, upstream keep-alive, no access log) as a reference hop`;
    const target = { name: `nginx ${nginx.version} reverse proxy (C, reference)`, origin: nginx.url, headers: upstreamAuth };
    targets.push(target);
    pidOf.set(target, nginx.pid);
  }
  log(nginxNote);

  let portkeyNote: string;
  let portkey: ServerProcess | undefined;
  if (process.env.BENCH_SKIP_PORTKEY === '1') {
    portkeyNote = 'Portkey skipped: BENCH_SKIP_PORTKEY=1';
  } else {
    try {
      log('installing @portkey-ai/gateway into a temporary folder');
      const install = await installPortkey();
      portkey = await startPortkey();
      portkeyNote = `Portkey gateway ${install.version} (${install.reused ? 'reused install' : `installed in ${fmt(install.seconds, 0)} s`}), headless, provider openai with custom host = the mock`;
      targets.push({ name: `Portkey gateway ${install.version}`, origin: portkey.url, headers: portkeyHeaders(mock.url) });
      pidOf.set(targets[targets.length - 1] as Target, portkey.pid);
    } catch (err) {
      portkeyNote = `Portkey skipped: ${(err as Error).message}`;
    }
  }
  log(portkeyNote);

  for (const target of [...targets]) {
    try {
      const headers = await verify(target);
      if (target === wardenTarget && !headers['x-request-id']?.startsWith('req_')) throw new Error('Warden answered without x-request-id');
      // The policy must decide every call but change none, so all paths carry the same bytes.
      if (target === wardenTarget && headers['x-warden-modified']) throw new Error(`Warden modified the benchmark request (${headers['x-warden-modified']})`);
    } catch (err) {
      if (target.name.startsWith('Portkey')) {
        portkeyNote = `Portkey skipped: its test request failed: ${(err as Error).message}`;
        targets.splice(targets.indexOf(target), 1);
        log(portkeyNote);
      } else if (target.name.startsWith('nginx')) {
        nginxNote = `nginx reference row skipped: its test request failed: ${(err as Error).message}`;
        targets.splice(targets.indexOf(target), 1);
        log(nginxNote);
      } else {
        throw err;
      }
    }
  }
  await assertWardenEnforces(wardenTarget);
  await assertWardenEnforces(embeddedTarget);
  const info = { ruleTypes: warden.ruleTypes, ruleCount: warden.ruleCount };
  log(`Warden policy: ${info.ruleCount} rules (${info.ruleTypes.join(', ')}); a banned pattern is refused with 403`);

  log('added latency (one request in flight, paths alternated)');
  const latencyStarted = performance.now();
  const latency = await sequentialLatency(targets, LATENCY_REQUESTS, 200);
  const latencySeconds = (performance.now() - latencyStarted) / 1000;

  log('throughput (warm-up, then slices with the paths taking turns)');
  const generators = targets.map((t) => new LoadGenerator(t, CONNECTIONS));
  const pids = targets.map((t) => pidOf.get(t) ?? 0);
  const cpu = targets.map(() => 0);
  let cpuKnown = true;
  const runs = new Map<string, ThroughputResult>();
  try {
    for (const g of generators) await g.run(WARMUP_MS, false);
    for (let slice = 0; slice < SLICES; slice++) {
      const rates: string[] = [];
      for (let k = 0; k < generators.length; k++) {
        const t = (slice + k) % generators.length;
        const before = cpuSeconds(pids[t] as number);
        const rate = await (generators[t] as LoadGenerator).run(SLICE_MS);
        const after = cpuSeconds(pids[t] as number);
        if (before === undefined || after === undefined) cpuKnown = false;
        else cpu[t] = (cpu[t] as number) + after - before;
        rates[t] = fmt(rate, 0);
      }
      log(`  slice ${slice + 1}/${SLICES}: ${rates.join(' | ')} req/s`);
    }
    for (const g of generators) {
      const result = g.result();
      runs.set(result.name, result);
    }
  } finally {
    await Promise.all(generators.map((g) => g.close()));
  }
  // Every server's memory but the mock's (the direct path measures the mock, not a proxy).
  const rss = new Map<string, number | undefined>(targets.slice(1).map((t) => [t.name, rssMb(pidOf.get(t) ?? 0)]));
  const cpuUsPerRequest = new Map<string, number>();
  if (cpuKnown) for (const [t, target] of targets.entries()) cpuUsPerRequest.set(target.name, ((cpu[t] as number) * 1e6) / (runs.get(target.name)?.requests ?? 1));

  printTables({ latency, runs, rss, cpuUsPerRequest, targets, portkeyNote: `${portkeyNote}. ${nginxNote}`, ruleTypes: info.ruleTypes, ruleCount: info.ruleCount, latencySeconds, totalSeconds: (performance.now() - began) / 1000 });
}

interface Report {
  latency: LatencyResult[];
  runs: Map<string, ThroughputResult>;
  rss: Map<string, number | undefined>;
  cpuUsPerRequest: Map<string, number>;
  targets: Target[];
  portkeyNote: string;
  ruleTypes: string[];
  ruleCount: number;
  latencySeconds: number;
  totalSeconds: number;
}

function printTables(r: Report): void {
  const [direct, bare, warden, embedded] = r.targets.map((t) => t.name) as [string, string, string, string];
  const portkey = r.targets.find((t) => t.name.startsWith('Portkey'))?.name;
  const nginx = r.targets.find((t) => t.name.startsWith('nginx'))?.name;
  const lat = new Map(r.latency.map((l) => [l.name, l]));
  const base = lat.get(direct) as LatencyResult;
  const rps = new Map([...r.runs].map(([name, run]) => [name, run.rps]));
  const yes = (ok: boolean) => (ok ? 'met' : 'missed');

  const out: string[] = [];
  out.push(`## Gateway (${machine()})`, '');
  out.push(
    `Warden is \`node bin/warden.js serve\` (the compiled package) with a warden.yaml: ${r.ruleCount} rules (${r.ruleTypes.join(', ')}), 30 banned patterns, the per-key rate limit, a key budget reserved and settled on every call, every call's audit record durable in SQLite before its response ends, Prometheus metrics, a log line per request. ${r.portkeyNote}.`,
    '',
  );
  out.push(`### Added latency, one request in flight (${LATENCY_REQUESTS.toLocaleString('en-US')} non-streamed ~2 KB chat completions per path, alternated)`, '');
  out.push('| path | p50 ms | p99 ms | mean ms | added p50 ms | added p99 ms |', '|---|---:|---:|---:|---:|---:|');
  for (const l of r.latency) {
    const added = l.name === direct ? ['—', '—'] : [ms(l.p50 - base.p50), ms(l.p99 - base.p99)];
    out.push(`| ${l.name} | ${ms(l.p50)} | ${ms(l.p99)} | ${ms(l.mean)} | ${added[0]} | ${added[1]} |`);
  }
  out.push('', `### Throughput, ${CONNECTIONS} connections (${SLICES} slices of ${SLICE_MS / 1000} s per path after a ${WARMUP_MS / 1000} s warm-up, the paths taking turns)`, '');
  out.push('| path | requests | req/s | slowest / median / fastest slice | p50 ms | p99 ms | errors | server CPU µs / request | server RSS MB |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, run] of r.runs) {
    const sorted = [...run.slices].sort((a, b) => a - b);
    const mem = r.rss.get(name);
    const spread = `${fmt(sorted[0] ?? 0, 0)} / ${fmt(median(sorted), 0)} / ${fmt(sorted[sorted.length - 1] ?? 0, 0)}`;
    const cpu = r.cpuUsPerRequest.get(name);
    out.push(`| ${name} | ${run.requests.toLocaleString('en-US')} | ${fmt(run.rps, 0)} | ${spread} | ${ms(run.p50)} | ${ms(run.p99)} | ${run.errors} | ${cpu === undefined ? '—' : fmt(cpu, 0)} | ${mem === undefined ? '—' : fmt(mem, 0)} |`);
  }
  const w = lat.get(warden) as LatencyResult;
  const addedP50 = (w.p50 - base.p50) / 1000;
  const addedP99 = (w.p99 - base.p99) / 1000;
  const vsBare = (rps.get(warden) ?? 0) / (rps.get(bare) ?? 1);
  out.push('', '### Against the DESIGN targets', '', '| measure | measured | target | |', '|---|---:|---:|---|');
  out.push(`| Warden added latency p50 | ${fmt(addedP50, 3)} ms | < ${TARGETS.addedP50Ms} ms | ${yes(addedP50 < TARGETS.addedP50Ms)} |`);
  out.push(`| Warden added latency p99 | ${fmt(addedP99, 3)} ms | < ${TARGETS.addedP99Ms} ms | ${yes(addedP99 < TARGETS.addedP99Ms)} |`);
  const b = lat.get(bare) as LatencyResult;
  out.push(`| Warden minus bare proxy p50 / p99 (its own cost over a proxy hop) | ${ms(w.p50 - b.p50)} / ${ms(w.p99 - b.p99)} ms | | |`);
  out.push(`| Warden / bare undici proxy throughput | ${fmt(vsBare, 2)} (per turn, median: ${fmt(turnRatio(r.runs, warden, bare), 2)}) | >= ${TARGETS.vsBareProxy} | ${yes(vsBare >= TARGETS.vsBareProxy)} |`);
  const cpuRatio = (a: string, b: string) => (r.cpuUsPerRequest.get(b) ?? Number.NaN) / (r.cpuUsPerRequest.get(a) ?? Number.NaN);
  if (r.cpuUsPerRequest.size) out.push(`| same, from server CPU per request (bare proxy's / Warden's) | ${fmt(cpuRatio(warden, bare), 2)} | >= ${TARGETS.vsBareProxy} | ${yes(cpuRatio(warden, bare) >= TARGETS.vsBareProxy)} |`);
  const e = lat.get(embedded) as LatencyResult;
  out.push(`| embedded gateway (no store) added latency p50 / p99 | ${ms(e.p50 - base.p50)} / ${ms(e.p99 - base.p99)} ms | | |`);
  out.push(`| embedded gateway (no store) / bare undici proxy throughput (per-turn median) | ${fmt((rps.get(embedded) ?? 0) / (rps.get(bare) ?? 1), 2)} (${fmt(turnRatio(r.runs, embedded, bare), 2)}) | | |`);
  if (portkey && rps.has(portkey)) {
    const p = lat.get(portkey) as LatencyResult;
    const vsPortkey = (rps.get(warden) ?? 0) / (rps.get(portkey) ?? 1);
    out.push(`| Warden / Portkey throughput | ${fmt(vsPortkey, 1)}x (per turn, median: ${fmt(turnRatio(r.runs, warden, portkey), 1)}x) | >= ${TARGETS.vsPortkey}x | ${yes(vsPortkey >= TARGETS.vsPortkey)} |`);
    if (r.cpuUsPerRequest.has(portkey)) out.push(`| same, from server CPU per request (Portkey's / Warden's) | ${fmt(cpuRatio(warden, portkey), 1)}x | >= ${TARGETS.vsPortkey}x | ${yes(cpuRatio(warden, portkey) >= TARGETS.vsPortkey)} |`);
    out.push(`| Portkey added latency p50 / p99 (for reference) | ${ms(p.p50 - base.p50)} / ${ms(p.p99 - base.p99)} ms | | |`);
    out.push(`| bare undici proxy / Portkey throughput (what a proxy hop with no policy reaches) | ${fmt((rps.get(bare) ?? 0) / (rps.get(portkey) ?? 1), 1)}x | | |`);
    out.push(`| embedded gateway (no store) / Portkey throughput | ${fmt((rps.get(embedded) ?? 0) / (rps.get(portkey) ?? 1), 1)}x | | |`);
  } else {
    out.push(`| Warden / Portkey throughput | not measured | >= ${TARGETS.vsPortkey}x | Portkey skipped (see above) |`);
  }
  const relay = r.targets.find((t) => t.name.startsWith('Node TCP'))?.name;
  const tcp = relay ? lat.get(relay) : undefined;
  if (relay && tcp) out.push(`| Node TCP byte relay added latency p50 / p99 (the hop without an HTTP stack) | ${ms(tcp.p50 - base.p50)} / ${ms(tcp.p99 - base.p99)} ms | | |`);
  const n = nginx ? lat.get(nginx) : undefined;
  if (nginx && n) {
    out.push(`| nginx added latency p50 / p99 (one proxy hop in C: the floor of any proxy here) | ${ms(n.p50 - base.p50)} / ${ms(n.p99 - base.p99)} ms | | |`);
    if (portkey && rps.has(portkey)) out.push(`| nginx / Portkey throughput | ${fmt((rps.get(nginx) ?? 0) / (rps.get(portkey) ?? 1), 1)}x | | |`);
  }
  out.push('', `Run time: ${fmt(r.totalSeconds, 0)} s (latency section ${fmt(r.latencySeconds, 0)} s).`);
  console.log(out.join('\n'));
}

try {
  await main();
} catch (err) {
  console.error(`gateway benchmark failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await stopAll();
  wardenServe?.cleanup();
  nginxServer?.cleanup();
}
