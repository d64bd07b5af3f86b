// Warden as the gateway benchmark runs it: the compiled CLI (`node bin/warden.js serve`, what
// the installed package runs) with a warden.yaml in a temporary folder. Everything a real
// deployment pays for is on: the benchmark policy, the virtual-key lookup, the per-key rate
// limit, a key budget reserved and settled on every call, the audit record of every call made
// durable in SQLite (in the temporary folder) before its response ends, Prometheus metrics,
// and one log line per request at the default level.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_KEY, benchPolicies } from './gateway-policy.js';
import { type ServerProcess, freePort, startProcess } from './gateway-processes.js';

const CLI = fileURLToPath(new URL('../bin/warden.js', import.meta.url));

export interface WardenServe extends ServerProcess {
  ruleTypes: string[];
  ruleCount: number;
  /** Removes the temporary folder (config, SQLite store). */
  cleanup(): void;
}

/** `nodeArgs` go before the script (`--cpu-prof`, to profile the benchmark's Warden). */
export async function startWardenServe(mockUrl: string, nodeArgs: readonly string[] = []): Promise<WardenServe> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const { docs, ruleTypes, ruleCount } = benchPolicies();
  const port = await freePort();
  const config = {
    host: '127.0.0.1',
    port,
    data_dir: join(dir, 'data'),
    // The benchmark policy sets every rule type of the default policy itself.
    default_policy: false,
    policies: docs,
    keys: [
      // A budget far above what the run spends: every call reserves its worst case and settles its cost.
      { id: 'key_bench', key: BENCH_KEY, org: 'acme', team: 'search', user: 'bench@acme.com', environment: 'production', max_budget: 1_000_000, budget_duration: '1d' },
    ],
    // At a ceiling the benchmark never reaches, but counted on every call.
    rate_limit: { requests_per_minute: 1_000_000_000 },
    upstreams: { openai: { base_url: `${mockUrl}/v1`, api_key: 'sk-bench-upstream' }, anthropic: { base_url: mockUrl, api_key: 'sk-ant-bench-upstream' } },
  };
  const file = join(dir, 'warden.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'WARDEN_ADMIN_TOKEN', 'OPENAI_BASE_URL', 'OPENAI_API_KEY', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'LOG_LEVEL']) delete env[name];
  try {
    const server = await startProcess({
      name: 'warden serve',
      args: [...nodeArgs, CLI, 'serve', '--config', file],
      env,
      // Ready once it prints where it listens; its log lines are read and dropped after that.
      ready: (child) =>
        new Promise((resolve, reject) => {
          let text = '';
          const onData = (chunk: string) => {
            text += chunk;
            const url = /Warden gateway listening on (http:\/\/\S+)/.exec(text)?.[1];
            if (!url) return;
            child.stdout?.off('data', onData);
            child.stdout?.resume();
            resolve({ url });
          };
          child.stdout?.setEncoding('utf8').on('data', onData);
          child.once('exit', () => reject(new Error(`warden serve exited before it listened: ${text.slice(-800)}`)));
        }),
    });
    return { ...server, ruleTypes, ruleCount, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
