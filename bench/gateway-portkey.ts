// The Portkey gateway (@portkey-ai/gateway) for the side-by-side run: installed into a
// temporary folder (never into this project), started headless on 127.0.0.1, pointed at the
// mock upstream with Portkey's own routing headers.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { EXIT_WITH_PARENT, type ServerProcess, freePort, startProcess } from './gateway-processes.js';

export const PORTKEY_DIR = process.env.BENCH_PORTKEY_DIR ?? join(os.tmpdir(), 'warden-bench-portkey');
const PACKAGES = ['@portkey-ai/gateway', '@hono/node-server@1.13.5'];
const ENTRY = join(PORTKEY_DIR, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
const INSTALL_TIMEOUT_MS = 300_000;

// Portkey's start-server.js calls @hono/node-server's serve({ port }), which listens on every
// interface. This preload pins listen() to 127.0.0.1 and ends the process with the benchmark.
const BIND_LOOPBACK = `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args[1] === undefined || typeof args[1] === 'function')) args.splice(1, args[1] === undefined ? 1 : 0, '127.0.0.1');
  return listen.apply(this, args);
};
${EXIT_WITH_PARENT}`;

/** Portkey's routing headers: provider, its base URL (custom host) and the provider key. */
export function portkeyHeaders(mockUrl: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mockUrl}/v1`, authorization: 'Bearer sk-bench-upstream' };
}

export interface PortkeyInstall {
  version: string;
  /** True when an earlier run's install was reused (set BENCH_PORTKEY_REINSTALL=1 to refresh it). */
  reused: boolean;
  seconds: number;
}

/** Installs the packages into PORTKEY_DIR with its own package.json; throws with npm's output on failure. */
export async function installPortkey(): Promise<PortkeyInstall> {
  const started = performance.now();
  const reuse = existsSync(ENTRY) && process.env.BENCH_PORTKEY_REINSTALL !== '1';
  if (!reuse) {
    mkdirSync(PORTKEY_DIR, { recursive: true });
    const manifest = join(PORTKEY_DIR, 'package.json');
    if (!existsSync(manifest)) writeFileSync(manifest, `${JSON.stringify({ name: 'warden-bench-portkey', private: true, type: 'module' }, null, 2)}\n`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...PACKAGES], { cwd: PORTKEY_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      const keep = (chunk: Buffer) => {
        text = (text + chunk.toString('utf8')).slice(-2000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS);
      child.once('error', (err) => {
        clearTimeout(timer);
        resolve({ code: -1, text: err.message });
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, text });
      });
    });
    if (output.code !== 0 || !existsSync(ENTRY)) throw new Error(`npm install ${PACKAGES.join(' ')} failed (exit ${output.code}): ${npmReason(output.text)}`);
  }
  const pkg = JSON.parse(readFileSync(join(PORTKEY_DIR, 'node_modules', '@portkey-ai', 'gateway', 'package.json'), 'utf8')) as { version: string };
  return { version: pkg.version, reused: reuse, seconds: (performance.now() - started) / 1000 };
}

/** The line of npm's output that says why it failed (network, 404, ...), else its last line. */
function npmReason(text: string): string {
  const lines = text.split('\n').map((l) => l.replace(/^npm (error|ERR!)\s*/, '').trim()).filter(Boolean);
  const telling = lines.find((l) => /\b(E[A-Z0-9]{3,}|code \w+|request to|network|404|403|401)\b/.test(l));
  return (telling ?? lines[lines.length - 1] ?? 'no output').slice(0, 200);
}

/** Starts Portkey headless on a free loopback port and waits until it answers. */
export async function startPortkey(): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return startProcess({
    name: 'portkey',
    cwd: PORTKEY_DIR,
    args: ['--import', `data:text/javascript,${encodeURIComponent(BIND_LOOPBACK)}`, ENTRY, `--port=${port}`, '--headless'],
    // Portkey prints a spinner and banner; readiness is its own `GET /` answering.
    ready: async (child) => {
      child.stdout?.resume();
      for (let tries = 0; tries < 300 && child.exitCode === null; tries++) {
        try {
          const res = await request(`${url}/`);
          const text = await res.body.text();
          if (res.statusCode === 200) return { url, banner: text };
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('Portkey did not answer GET / within 30 s');
    },
  });
}
