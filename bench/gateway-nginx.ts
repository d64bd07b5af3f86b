// An nginx reverse proxy in front of the mock upstream, as a reference row of the gateway
// benchmark: how much one proxy hop written in C adds on this machine, before any policy.
// Used only when an nginx binary is installed (`apt-get install nginx-light`); the
// benchmark runs without it. One worker process, keep-alive to the upstream, no access log.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { type ServerProcess, freePort, startProcess } from './gateway-processes.js';

function nginxBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
  return undefined;
}

export interface Nginx extends ServerProcess {
  version: string;
  cleanup(): void;
}

/** Starts nginx proxying to `upstream`, or answers why it cannot (not installed). */
export async function startNginx(upstream: string): Promise<Nginx | string> {
  const binary = nginxBinary();
  if (!binary) return 'nginx not installed';
  const probe = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  const version = /nginx\/(\S+)/.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? 'unknown';
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = await freePort();
  const target = new URL(upstream);
  const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream mock { server ${target.host}; keepalive 256; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const url = `http://127.0.0.1:${port}`;
  try {
    const server = await startProcess({
      name: 'nginx',
      command: binary,
      args: ['-p', dir, '-c', join(dir, 'nginx.conf')],
      ready: async (child) => {
        child.stdout?.resume();
        for (let tries = 0; tries < 100 && child.exitCode === null; tries++) {
          try {
            const res = await request(`${url}/v1/models`, { headers: { authorization: 'Bearer sk-bench-upstream' } });
            await res.body.dump();
            return { url };
          } catch {
            // not listening yet
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error('nginx did not answer within 5 s');
      },
    });
    return { ...server, version, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return `nginx failed to start: ${(err as Error).message}`;
  }
}
