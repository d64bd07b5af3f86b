// The port every counter backend implements. Budgets, rate limits, velocity,
// dedup guards and loop breakers all reduce to these few operations, so the
// engine never knows whether counters live in this process or in Redis.
//
// Amounts are non-negative safe integers in a unit the caller picks per key
// (micro-USD for money, tokens, calls). Integers keep sums exact in every
// backend: 100 x $0.01 is exactly $1.00 as 100 x 10_000 micro-USD, never
// 1.0000000000000007.

/** When a counter's settled amount starts over. */
export type CounterWindow =
  /** Resets at `resetAt` (epoch ms, computed by the caller: next UTC midnight, month start). */
  | { kind: 'fixed'; resetAt: number }
  /** Counts what was reserved in the last `ms` milliseconds (exact sliding log). */
  | { kind: 'sliding'; ms: number }
  /** Never resets: session and mission totals, concurrency slots (lease only). */
  | { kind: 'none' };

export interface Claim {
  /** Built by the caller, e.g. `budget:team:t1:day:2026-11-22`; opaque to the store. */
  key: string;
  /** Worst-case amount to hold now. */
  amount: number;
  /** The reservation fails if settled + reserved + amount would pass this cap. */
  limit: number;
  window: CounterWindow;
}

export interface ReserveRequest {
  /** Unique per call. Reserving again with a live id is a no-op that reports the current state. */
  id: string;
  /** Checked and applied together: every claim is reserved, or none is. Keys must be distinct. */
  claims: readonly Claim[];
  /** A reservation neither settled nor released within this many ms gives its amounts back. */
  leaseMs: number;
  /** Epoch ms; the store never reads a clock of its own. */
  now: number;
}

export type ReserveResult =
  | {
      ok: true;
      /** Per claim: limit - (settled + reserved) after this reservation, never below 0. */
      remaining: number[];
      /** Per claim: epoch ms when the window frees capacity next; null for `none` windows. */
      resetAt: (number | null)[];
    }
  | {
      ok: false;
      /** Index of the first claim that would pass its cap. */
      failed: number;
      /** That claim's settled + live reserved amount before this request. */
      used: number;
      limit: number;
      /**
       * A hint for Retry-After: when enough settled usage leaves the window, or, when only
       * in-flight reservations are in the way, when the earliest lease ends (at most 1 s).
       * null when waiting cannot help (the amount exceeds the limit, or a `none` window is spent).
       */
      retryAfterMs: number | null;
    };

/** `expired`: the lease ended before this call, its amounts were already given back. */
export type SettleOutcome = 'settled' | 'expired' | 'unknown';
export type ReleaseOutcome = 'released' | 'expired' | 'unknown';

export interface DedupResult {
  /** True when this call set the key (first occurrence within the TTL). */
  set: boolean;
  /** Time left until the key can be set again. */
  ttlRemainingMs: number;
}

export interface CounterStore {
  /** Atomic across all claims: all or nothing, in one round trip. */
  reserve(req: ReserveRequest): Promise<ReserveResult>;
  /**
   * Replaces each claim's reserved amount by `actual[i]` (same order as the claims).
   * For concurrency claims, 0 frees the slot. Idempotent: a second settle, or a settle
   * after release or expiry, changes nothing.
   */
  settle(id: string, actual: readonly number[], now: number): Promise<SettleOutcome>;
  /** Gives everything back. Idempotent like settle. */
  release(id: string, now: number): Promise<ReleaseOutcome>;
  /** Settled (in the current window) + live reserved, per key. Unknown keys read 0. */
  usage(keys: readonly string[], now: number): Promise<number[]>;
  /** Dedup guard: sets `key` for `ttlMs` unless it is already set. */
  setIfAbsent(key: string, ttlMs: number, now: number): Promise<DedupResult>;
  /** Plain increment without a reservation; returns the new settled + live reserved. */
  add(key: string, amount: number, window: CounterWindow, now: number): Promise<number>;
  /** Resolves when the backend answers; rejects with CounterStoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
