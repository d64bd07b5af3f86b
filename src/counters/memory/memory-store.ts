// The in-process CounterStore: exact within one process (every operation runs to
// completion on the event loop, so no interleaving), nothing shared across processes.
// It mirrors the Redis scripts step for step; the contract suite keeps them honest.
import type {
  Claim,
  CounterStore,
  CounterWindow,
  DedupResult,
  ReleaseOutcome,
  ReserveRequest,
  ReserveResult,
  SettleOutcome,
} from '../counter-store.js';
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
import { GRACE_MS, IDLE_TTL_MS, MAX_LEASE_HINT_MS } from '../store-constants.js';

interface Lease {
  amount: number;
  expiresAt: number;
}

interface LogEntry {
  at: number;
  amount: number;
}

interface Counter {
  settled: number;
  reserved: number;
  /** End of the current fixed window. */
  windowEnd: number | undefined;
  /** Length of the sliding window last used with this counter, for `usage`. */
  slidingMs: number | undefined;
  leases: Map<string, Lease>;
  /** Earliest lease expiry, so most calls skip the lease scan. */
  nextLeaseExpiry: number;
  /** Sliding-window entries, sorted by `at`. */
  log: LogEntry[];
  /** Logical time after which the whole counter may be forgotten (Redis: the key TTL). */
  gcAt: number;
}

interface Reservation {
  expiresAt: number;
  at: number;
  claims: { key: string; amount: number; window: CounterWindow }[];
}

interface Dedup {
  expiresAt: number;
}

export interface MemoryCounterStoreOptions {
  /** How long a `none`-window counter survives without activity. Default 30 days. */
  idleTtlMs?: number;
}

const SWEEP_EVERY = 1024;

export class MemoryCounterStore implements CounterStore {
  private readonly counters = new Map<string, Counter>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly dedup = new Map<string, Dedup>();
  private readonly idleTtlMs: number;
  private operations = 0;

  constructor(options: MemoryCounterStoreOptions = {}) {
    this.idleTtlMs = options.idleTtlMs ?? IDLE_TTL_MS;
  }

  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    assertReserveRequest(req);
    const { id, claims, leaseMs, now } = req;
    this.maybeSweep(now);
    const existing = this.reservations.get(id);
    const replay = existing !== undefined && existing.expiresAt > now;
    if (existing !== undefined && !replay) this.dropReservation(id, existing);

    const counters: Counter[] = [];
    const used: number[] = [];
    for (let i = 0; i < claims.length; i++) {
      const claim = claims[i] as Claim;
      const counter = this.counter(claim.key, now);
      const settled = this.settledOf(counter, claim.window, now);
      purgeLeases(counter, now);
      const total = settled + counter.reserved;
      if (!replay && total + claim.amount > claim.limit) {
        return {
          ok: false,
          failed: i,
          used: total,
          limit: claim.limit,
          retryAfterMs: retryAfter(counter, claim, now),
        };
      }
      counters.push(counter);
      used.push(total);
    }

    const expiresAt = now + leaseMs;
    const remaining: number[] = [];
    const resetAt: (number | null)[] = [];
    for (let i = 0; i < claims.length; i++) {
      const claim = claims[i] as Claim;
      const counter = counters[i] as Counter;
      let total = used[i] as number;
      if (!replay) {
        counter.reserved += claim.amount;
        counter.leases.set(id, { amount: claim.amount, expiresAt });
        counter.nextLeaseExpiry = Math.min(counter.nextLeaseExpiry, expiresAt);
        total += claim.amount;
        touch(counter, now, Math.max(this.windowNeed(claim.window, now), leaseMs));
      }
      remaining.push(Math.max(0, claim.limit - total));
      resetAt.push(nextReset(counter, claim.window, now));
    }
    if (!replay) {
      this.reservations.set(id, {
        expiresAt,
        at: now,
        claims: claims.map((c) => ({ key: c.key, amount: c.amount, window: c.window })),
      });
    }
    return { ok: true, remaining, resetAt };
  }

  async settle(id: string, actual: readonly number[], now: number): Promise<SettleOutcome> {
    assertTime(now);
    assertActuals(actual);
    const reservation = this.reservations.get(id);
    if (reservation === undefined) return 'unknown';
    if (reservation.expiresAt <= now) {
      this.dropReservation(id, reservation);
      return 'expired';
    }
    if (actual.length !== reservation.claims.length) actualsMismatch(reservation.claims.length, actual.length);
    reservation.claims.forEach((claim, i) => {
      const counter = this.counter(claim.key, now);
      giveBack(counter, id);
      const amount = actual[i] as number;
      const { window } = claim;
      if (window.kind === 'fixed') {
        // Spend counts toward the window it was reserved in; if that window is over, it is gone.
        if (now < window.resetAt) {
          this.settledOf(counter, window, now);
          counter.settled += amount;
        }
      } else if (window.kind === 'sliding') {
        if (reservation.at > now - window.ms && amount > 0) {
          this.settledOf(counter, window, now);
          insertLog(counter.log, { at: reservation.at, amount });
          counter.settled += amount;
        }
      } else {
        counter.settled += amount;
      }
      touch(counter, now, this.windowNeed(window, now));
    });
    this.reservations.delete(id);
    return 'settled';
  }

  async release(id: string, now: number): Promise<ReleaseOutcome> {
    assertTime(now);
    const reservation = this.reservations.get(id);
    if (reservation === undefined) return 'unknown';
    const expired = reservation.expiresAt <= now;
    this.dropReservation(id, reservation);
    return expired ? 'expired' : 'released';
  }

  async usage(keys: readonly string[], now: number): Promise<number[]> {
    assertTime(now);
    return keys.map((key) => {
      const counter = this.counters.get(key);
      if (counter === undefined || counter.gcAt <= now) return 0;
      purgeLeases(counter, now);
      return this.storedSettled(counter, now) + counter.reserved;
    });
  }

  async setIfAbsent(key: string, ttlMs: number, now: number): Promise<DedupResult> {
    assertKey(key);
    assertTtl(ttlMs);
    assertTime(now);
    this.maybeSweep(now);
    const existing = this.dedup.get(key);
    if (existing !== undefined && existing.expiresAt > now) {
      return { set: false, ttlRemainingMs: existing.expiresAt - now };
    }
    this.dedup.set(key, { expiresAt: now + ttlMs });
    return { set: true, ttlRemainingMs: ttlMs };
  }

  async add(key: string, amount: number, window: CounterWindow, now: number): Promise<number> {
    assertKey(key);
    assertAmount(amount, 'amount');
    assertTime(now);
    assertWindow(window, now);
    this.maybeSweep(now);
    const counter = this.counter(key, now);
    this.settledOf(counter, window, now);
    purgeLeases(counter, now);
    if (window.kind === 'sliding') insertLog(counter.log, { at: now, amount });
    counter.settled += amount;
    touch(counter, now, this.windowNeed(window, now));
    return counter.settled + counter.reserved;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.counters.clear();
    this.reservations.clear();
    this.dedup.clear();
  }

  private counter(key: string, now: number): Counter {
    let counter = this.counters.get(key);
    if (counter === undefined || counter.gcAt <= now) {
      counter = {
        settled: 0,
        reserved: 0,
        windowEnd: undefined,
        slidingMs: undefined,
        leases: new Map(),
        nextLeaseExpiry: Number.POSITIVE_INFINITY,
        log: [],
        gcAt: now + GRACE_MS,
      };
      this.counters.set(key, counter);
    }
    return counter;
  }

  /** Brings the settled amount into `window` as of `now` and returns it. */
  private settledOf(counter: Counter, window: CounterWindow, now: number): number {
    if (window.kind === 'fixed') {
      if (counter.windowEnd === undefined || now >= counter.windowEnd) {
        counter.settled = 0;
        counter.windowEnd = window.resetAt;
      }
    } else if (window.kind === 'sliding') {
      counter.slidingMs = window.ms;
      purgeLog(counter, now - window.ms);
    }
    return counter.settled;
  }

  /** Settled amount for `usage`, which has no window in hand: use what the counter remembers. */
  private storedSettled(counter: Counter, now: number): number {
    if (counter.windowEnd !== undefined && now >= counter.windowEnd) return 0;
    if (counter.slidingMs !== undefined) purgeLog(counter, now - counter.slidingMs);
    return counter.settled;
  }

  private windowNeed(window: CounterWindow, now: number): number {
    if (window.kind === 'fixed') return window.resetAt - now;
    if (window.kind === 'sliding') return window.ms;
    return this.idleTtlMs;
  }

  private dropReservation(id: string, reservation: Reservation): void {
    for (const claim of reservation.claims) {
      const counter = this.counters.get(claim.key);
      if (counter !== undefined) giveBack(counter, id);
    }
    this.reservations.delete(id);
  }

  /** Forgets what Redis would have expired by now; amortized over many operations. */
  private maybeSweep(now: number): void {
    this.operations += 1;
    if (this.operations % SWEEP_EVERY !== 0) return;
    for (const [key, counter] of this.counters) if (counter.gcAt <= now) this.counters.delete(key);
    for (const [id, r] of this.reservations) if (r.expiresAt + GRACE_MS <= now) this.dropReservation(id, r);
    for (const [key, d] of this.dedup) if (d.expiresAt <= now) this.dedup.delete(key);
  }
}

export function createMemoryCounterStore(options: MemoryCounterStoreOptions = {}): MemoryCounterStore {
  return new MemoryCounterStore(options);
}

function touch(counter: Counter, now: number, needMs: number): void {
  counter.gcAt = Math.max(counter.gcAt, now + needMs + GRACE_MS);
}

function purgeLeases(counter: Counter, now: number): void {
  if (now < counter.nextLeaseExpiry) return;
  let next = Number.POSITIVE_INFINITY;
  for (const [id, lease] of counter.leases) {
    if (lease.expiresAt <= now) {
      counter.reserved -= lease.amount;
      counter.leases.delete(id);
    } else {
      next = Math.min(next, lease.expiresAt);
    }
  }
  counter.nextLeaseExpiry = next;
}

function giveBack(counter: Counter, id: string): void {
  const lease = counter.leases.get(id);
  if (lease === undefined) return;
  counter.reserved -= lease.amount;
  counter.leases.delete(id);
}

/** Drops entries at or before `cutoff` (an entry at t counts while now - t < ms). */
function purgeLog(counter: Counter, cutoff: number): void {
  let n = 0;
  let freed = 0;
  for (const entry of counter.log) {
    if (entry.at > cutoff) break;
    freed += entry.amount;
    n++;
  }
  if (n > 0) {
    counter.log.splice(0, n);
    counter.settled -= freed;
  }
}

function insertLog(log: LogEntry[], entry: LogEntry): void {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log[mid] as LogEntry).at <= entry.at) lo = mid + 1;
    else hi = mid;
  }
  log.splice(lo, 0, entry);
}

function earliestLeaseHint(counter: Counter, now: number): number {
  const untilLease = counter.nextLeaseExpiry - now;
  return Math.max(1, Math.min(untilLease, MAX_LEASE_HINT_MS));
}

function retryAfter(counter: Counter, claim: Claim, now: number): number | null {
  if (claim.amount > claim.limit) return null;
  const excess = counter.settled + claim.amount - claim.limit;
  // Only in-flight reservations are in the way; they usually settle well before their lease ends.
  if (excess <= 0) return earliestLeaseHint(counter, now);
  const { window } = claim;
  if (window.kind === 'fixed') return Math.max(1, (counter.windowEnd ?? window.resetAt) - now);
  if (window.kind === 'none') return null;
  let freed = 0;
  for (const entry of counter.log) {
    freed += entry.amount;
    if (freed >= excess) return Math.max(1, entry.at + window.ms - now);
  }
  return Math.max(1, window.ms);
}

function nextReset(counter: Counter, window: CounterWindow, now: number): number | null {
  if (window.kind === 'fixed') return counter.windowEnd ?? window.resetAt;
  if (window.kind === 'sliding') return (counter.log[0]?.at ?? now) + window.ms;
  return null;
}
