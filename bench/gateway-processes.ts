// Child processes for the gateway benchmark: every server under test runs in its own
// process so the load generator never shares their event loop, and every one is killed
// at the end, on failure, on Ctrl-C, and (through its stdin closing) if this process dies.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** What the child printed on its first stdout line (a JSON object with at least `url`). */
  info: Record<string, unknown>;
  /** The last lines the child wrote to stderr, for error messages. */
  stderr(): string;
}

const children = new Set<ChildProcess>();
let hooked = false;

/**
 * Children started here watch their stdin and exit when it closes, so an abrupt end of the
 * benchmark (even SIGKILL) does not leave servers behind. A preload for scripts we do not own.
 */
export const EXIT_WITH_PARENT = "process.stdin.on('end',()=>process.exit(0));process.stdin.on('error',()=>process.exit(0));process.stdin.resume();";

/** For the bench's own child scripts: exit when the parent's pipe closes. */
export function exitWithParent(): void {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of children) child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

/** A bench/ script run with `node --import tsx`. */
export function benchScript(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

export interface StartOptions {
  name: string;
  /** The program to run; default this Node.js binary. */
  command?: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How the server says it is ready: the first stdout line as JSON (default), or a readiness probe. */
  ready?: (child: ChildProcess) => Promise<Record<string, unknown>>;
  timeoutMs?: number;
}

export async function startProcess(options: StartOptions): Promise<ServerProcess> {
  hookExit();
  const child = spawn(options.command ?? process.execPath, options.args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let errText = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errText = (errText + chunk).slice(-4000);
  });
  const stderr = () => errText.trim();
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      (options.ready ?? firstJsonLine)(child),
      new Promise<never>((_, reject) => {
        child.once('exit', (code, signal) => reject(new Error(`${options.name} exited (${signal ?? code}) before it was ready: ${stderr().slice(-800)}`)));
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${options.name} not ready after ${timeoutMs} ms: ${stderr().slice(-800)}`)), timeoutMs);
      }),
    ]);
    if (typeof info.url !== 'string') throw new Error(`${options.name} did not report a url`);
    return { name: options.name, url: info.url, pid: child.pid as number, info, stderr };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function firstJsonLine(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      try {
        resolve(JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>);
      } catch {
        reject(new Error(`unexpected first line: ${buffered.slice(0, 200)}`));
      }
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
  });
}

/** SIGTERM every child, SIGKILL those still alive after a grace period. */
export async function stopAll(graceMs = 2_000): Promise<void> {
  const alive = [...children];
  await Promise.all(
    alive.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** A port free right now on 127.0.0.1, for servers that only take a fixed port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process in MB (Linux /proc), or undefined elsewhere. */
export function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;

/**
 * CPU seconds (user + system) a process has used so far, from Linux /proc; undefined elsewhere.
 * Per request it is a steadier figure than requests/s on a shared machine: it does not
 * depend on how much CPU the neighbours left over.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}
