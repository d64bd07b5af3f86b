import type { HealthProbe } from './types.js';

export type ProbeState = 'up' | 'down' | 'unknown';

export interface Readiness {
  ready: boolean;
  /** Per component; never the error text (it can carry a connection string). */
  checks: Record<string, ProbeState>;
}

export interface HealthChecksOptions {
  /** A result this fresh is answered from the cache; default 1 s. */
  cacheMs?: number;
  /** Clock in ms for the cache (the gateway's injected clock); default `Date.now`. */
  now?: () => number;
  /** A probe slower than this counts as down; default 1 s. */
  probeTimeoutMs?: number;
  /** How long a readiness request waits for a fresh probe before answering with the last result; default 5 ms. */
  answerWithinMs?: number;
}

/**
 * `/readyz` behind a cache: probes run at most once per `cacheMs`, each bounded by a
 * timeout, and a request never waits for a slow one longer than `answerWithinMs`, so a
 * load balancer polling readiness cannot pile load onto a struggling database.
 */
export class HealthChecks {
  private readonly states = new Map<string, ProbeState>();
  private checkedAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;
  private readonly cacheMs: number;
  private readonly probeTimeoutMs: number;
  private readonly answerWithinMs: number;
  private readonly now: () => number;

  constructor(
    private readonly probes: readonly HealthProbe[],
    options: HealthChecksOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 1_000;
    this.answerWithinMs = options.answerWithinMs ?? 5;
    this.now = options.now ?? Date.now;
    for (const probe of probes) this.states.set(probe.name, 'unknown');
  }

  get names(): string[] {
    return this.probes.map((p) => p.name);
  }

  /** The last known state of each probe; starts a refresh when stale (without waiting for it). */
  current(): Map<string, ProbeState> {
    this.refreshIfStale();
    return this.states;
  }

  /** Resolves once the probe round in flight (if any) has finished, timed-out probes included. */
  async settled(): Promise<void> {
    await this.running;
  }

  async readiness(): Promise<Readiness> {
    const refresh = this.refreshIfStale();
    if (refresh) await Promise.race([refresh, wait(this.answerWithinMs)]);
    const checks = Object.fromEntries(this.states);
    return { ready: Object.values(checks).every((s) => s === 'up'), checks };
  }

  private refreshIfStale(): Promise<void> | undefined {
    if (!this.probes.length) return undefined;
    if (this.running) return this.running;
    if (this.now() - this.checkedAt < this.cacheMs) return undefined;
    this.running = Promise.all(this.probes.map(async (probe) => this.states.set(probe.name, (await this.probe(probe)) ? 'up' : 'down'))).then(() => {
      this.checkedAt = this.now();
      this.running = undefined;
    });
    return this.running;
  }

  private async probe(probe: HealthProbe): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.probeTimeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([
        Promise.resolve()
          .then(() => probe.ping())
          .then(
            () => true,
            () => false,
          ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The database as a readiness probe: a primary-key lookup of an org that does not exist,
 * one indexed round trip on SQLite and Postgres alike.
 */
export function storeProbe(store: { getOrg(id: string): Promise<unknown> }): HealthProbe {
  return { name: 'store', ping: async () => void (await store.getOrg('__warden_readiness__')) };
}
