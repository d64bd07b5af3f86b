// The Redis CounterStore: exact across processes and replicas, because every phase
// is one Lua script that Redis runs atomically. Each call is one round trip
// (EVALSHA; ioredis sends the script body once per connection).
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type {
  CounterStore,
  CounterWindow,
  DedupResult,
  ReleaseOutcome,
  ReserveRequest,
  ReserveResult,
  SettleOutcome,
} from '../counter-store.js';
import { CounterStoreUnavailableError } from '../counter-store-unavailable-error.js';
import { GRACE_MS, IDLE_TTL_MS, MAX_LEASE_HINT_MS } from '../store-constants.js';
import {
  actualsMismatch,
  assertActuals,
  assertAmount,
  assertKey,
  assertReserveRequest,
  assertTime,
  assertTtl,
  assertWindow,
} from '../validate-input.js';
import { ADD_LUA, RELEASE_LUA, RESERVE_LUA, SETTLE_LUA, SET_IF_ABSENT_LUA, USAGE_LUA } from './lua-scripts.js';

/** What the store reports about its connection; wire it to the structured logger. */
export type RedisCounterStoreEvent =
  | { type: 'ready' }
  | { type: 'reconnecting'; delayMs: number }
  | { type: 'connection_error'; message: string }
  | { type: 'cleanup_failed'; id: string; message: string };

export interface RedisCounterStoreOptions {
  /** Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Extra ioredis options (TLS, username, password, db). Timeouts below win over these. */
  redisOptions?: RedisOptions;
  /** Prepended to every key, e.g. `warden:prod:`. Default `warden:`. */
  keyPrefix?: string;
  /** Each operation fails with CounterStoreUnavailableError after this long. Default 50 ms. */
  timeoutMs?: number;
  /** How long one connection attempt may take, and how long `connect` waits. Default 1000 ms. */
  connectTimeoutMs?: number;
  /** How long a `none`-window counter survives without activity. Default 30 days. */
  idleTtlMs?: number;
  log?: (event: RedisCounterStoreEvent) => void;
}

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

interface Scripts {
  reserve: ScriptCall;
  settle: ScriptCall;
  release: ScriptCall;
  usage: ScriptCall;
  setIfAbsent: ScriptCall;
  add: ScriptCall;
}

const TIMED_OUT = 'Command timed out';

export class RedisCounterStore implements CounterStore {
  /** The underlying client, for health endpoints and tests (round-trip counting). */
  readonly client: Redis;
  private readonly scripts: Scripts;
  private readonly prefix: string;
  private readonly idleTtlMs: number;
  private readonly connectTimeoutMs: number;
  private readonly log: (event: RedisCounterStoreEvent) => void;

  constructor(options: RedisCounterStoreOptions = {}) {
    const timeoutMs = options.timeoutMs ?? 50;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.prefix = options.keyPrefix ?? 'warden:';
    this.idleTtlMs = options.idleTtlMs ?? IDLE_TTL_MS;
    this.log = options.log ?? (() => {});
    this.client = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
      ...options.redisOptions,
      commandTimeout: timeoutMs,
      connectTimeout: this.connectTimeoutMs,
      // No offline queue: while disconnected, fail now rather than replay stale
      // reservations minutes later when the connection returns.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 50, 1000),
    });
    this.client.on('ready', () => this.log({ type: 'ready' }));
    this.client.on('reconnecting', (delayMs: number) => this.log({ type: 'reconnecting', delayMs }));
    // Without a listener ioredis prints every connection error to the console.
    this.client.on('error', (error: Error) => this.log({ type: 'connection_error', message: error.message }));
    this.scripts = {
      reserve: defineScript(this.client, 'wardenCounterReserve', RESERVE_LUA),
      settle: defineScript(this.client, 'wardenCounterSettle', SETTLE_LUA),
      release: defineScript(this.client, 'wardenCounterRelease', RELEASE_LUA),
      usage: defineScript(this.client, 'wardenCounterUsage', USAGE_LUA),
      setIfAbsent: defineScript(this.client, 'wardenCounterSetIfAbsent', SET_IF_ABSENT_LUA),
      add: defineScript(this.client, 'wardenCounterAdd', ADD_LUA),
    };
  }

  /** Resolves once connected; rejects with CounterStoreUnavailableError after connectTimeoutMs. */
  ready(): Promise<void> {
    if (this.client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new CounterStoreUnavailableError('connect', new Error(`not ready after ${this.connectTimeoutMs} ms`)));
      }, this.connectTimeoutMs);
      this.client.once('ready', onReady);
    });
  }

  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    assertReserveRequest(req);
    const keys = [this.recordKey(req.id), ...req.claims.map((c) => this.counterKey(c.key))];
    const args: (string | number)[] = [req.id, req.now, req.leaseMs, GRACE_MS, this.idleTtlMs, MAX_LEASE_HINT_MS];
    for (const claim of req.claims) {
      args.push(claim.amount, claim.limit, ...windowArgs(claim.window));
    }
    let reply: number[];
    try {
      reply = ints(await this.scripts.reserve(keys.length, ...keys, ...args));
    } catch (error) {
      // A timed-out reserve may still run on the server; give it back rather than hold
      // budget until the lease ends. Same connection, so it runs after the reserve.
      if (error instanceof Error && error.message === TIMED_OUT) this.releaseQuietly(req.id, req.now);
      throw new CounterStoreUnavailableError('reserve', error);
    }
    const n = req.claims.length;
    if (reply[0] === 1) {
      return {
        ok: true,
        remaining: reply.slice(1, 1 + n),
        resetAt: reply.slice(1 + n, 1 + 2 * n).map((t) => (t < 0 ? null : t)),
      };
    }
    const [, failed = 0, used = 0, limit = 0, retryAfterMs = -1] = reply;
    return { ok: false, failed, used, limit, retryAfterMs: retryAfterMs < 0 ? null : retryAfterMs };
  }

  async settle(id: string, actual: readonly number[], now: number): Promise<SettleOutcome> {
    assertTime(now);
    assertActuals(actual);
    const code = await this.call('settle', () =>
      this.scripts.settle(1, this.recordKey(id), id, now, GRACE_MS, this.idleTtlMs, ...actual),
    );
    if (code < 0) actualsMismatch(-code, actual.length);
    return code === 1 ? 'settled' : code === 2 ? 'expired' : 'unknown';
  }

  async release(id: string, now: number): Promise<ReleaseOutcome> {
    assertTime(now);
    const code = await this.call('release', () => this.scripts.release(1, this.recordKey(id), id, now));
    return code === 1 ? 'released' : code === 2 ? 'expired' : 'unknown';
  }

  async usage(keys: readonly string[], now: number): Promise<number[]> {
    assertTime(now);
    keys.forEach(assertKey);
    if (keys.length === 0) return [];
    const redisKeys = keys.map((k) => this.counterKey(k));
    try {
      return ints(await this.scripts.usage(redisKeys.length, ...redisKeys, now));
    } catch (error) {
      throw new CounterStoreUnavailableError('usage', error);
    }
  }

  async setIfAbsent(key: string, ttlMs: number, now: number): Promise<DedupResult> {
    assertKey(key);
    assertTtl(ttlMs);
    assertTime(now);
    let reply: number[];
    try {
      reply = ints(await this.scripts.setIfAbsent(1, this.dedupKey(key), now, ttlMs, GRACE_MS));
    } catch (error) {
      throw new CounterStoreUnavailableError('setIfAbsent', error);
    }
    return { set: reply[0] === 1, ttlRemainingMs: reply[1] ?? 0 };
  }

  async add(key: string, amount: number, window: CounterWindow, now: number): Promise<number> {
    assertKey(key);
    assertAmount(amount, 'amount');
    assertTime(now);
    assertWindow(window, now);
    return this.call('add', () =>
      this.scripts.add(1, this.counterKey(key), now, amount, ...windowArgs(window), GRACE_MS, this.idleTtlMs),
    );
  }

  async ping(): Promise<void> {
    try {
      await this.client.ping();
    } catch (error) {
      throw new CounterStoreUnavailableError('ping', error);
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      // quit can only fail when the connection is already gone; make sure it stays gone.
      this.client.disconnect();
    }
  }

  private async call(operation: string, run: () => Promise<unknown>): Promise<number> {
    let reply: unknown;
    try {
      reply = await run();
    } catch (error) {
      throw new CounterStoreUnavailableError(operation, error);
    }
    if (typeof reply !== 'number') {
      throw new CounterStoreUnavailableError(operation, new Error(`unexpected reply ${String(reply)}`));
    }
    return reply;
  }

  private releaseQuietly(id: string, now: number): void {
    this.scripts.release(1, this.recordKey(id), id, now).catch((error: unknown) => {
      this.log({ type: 'cleanup_failed', id, message: error instanceof Error ? error.message : String(error) });
    });
  }

  private counterKey(key: string): string {
    return `${this.prefix}c:${key}`;
  }

  private recordKey(id: string): string {
    return `${this.prefix}r:${id}`;
  }

  private dedupKey(key: string): string {
    return `${this.prefix}d:${key}`;
  }
}

/** A store that may still be connecting; operations fail fast until it is ready. */
export function createRedisCounterStore(options: RedisCounterStoreOptions = {}): RedisCounterStore {
  return new RedisCounterStore(options);
}

/** A store that is connected, or a CounterStoreUnavailableError after connectTimeoutMs. */
export async function connectRedisCounterStore(options: RedisCounterStoreOptions = {}): Promise<RedisCounterStore> {
  const store = new RedisCounterStore(options);
  try {
    await store.ready();
  } catch (error) {
    store.client.disconnect();
    throw error;
  }
  return store;
}

function windowArgs(window: CounterWindow): [string, number] {
  if (window.kind === 'fixed') return ['f', window.resetAt];
  if (window.kind === 'sliding') return ['s', window.ms];
  return ['n', 0];
}

/** ioredis attaches defined scripts as methods it does not type; look the method up once. */
function defineScript(client: Redis, name: string, lua: string): ScriptCall {
  client.defineCommand(name, { lua });
  const method: unknown = Reflect.get(client, name);
  if (typeof method !== 'function') throw new Error(`ioredis did not define script ${name}`);
  return (...args) => Promise.resolve(method.apply(client, args));
}

function ints(reply: unknown): number[] {
  if (!Array.isArray(reply) || !reply.every((v) => typeof v === 'number')) {
    throw new Error(`unexpected reply from counter script: ${JSON.stringify(reply)}`);
  }
  return reply;
}
