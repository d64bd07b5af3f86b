export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; default 5. */
  failureThreshold?: number;
  /** Failure ratio over the window that opens the circuit (0-1); default 0.5. */
  errorRateThreshold?: number;
  /** Length of the error-rate window; default 60 s. */
  windowMs?: number;
  /** Calls in the window before the error rate counts; default 20. */
  minRequests?: number;
  /** How long the circuit stays open before one probe goes through; default 30 s. */
  coolDownMs?: number;
}

const DEFAULTS: Required<CircuitBreakerOptions> = { failureThreshold: 5, errorRateThreshold: 0.5, windowMs: 60_000, minRequests: 20, coolDownMs: 30_000 };

/**
 * One upstream's breaker. Closed: calls go through. Open (after N consecutive failures or
 * an error rate over the window): calls skip this upstream until the cool-down ends. Half
 * open: exactly one probe goes through; its success closes the circuit, its failure opens
 * it again. Time comes from the caller, so tests drive it with an injected clock.
 */
export class CircuitBreaker {
  private readonly options: Required<CircuitBreakerOptions>;
  private current: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private probing = false;
  /** Outcomes in the window, in ten buckets so memory stays flat under any load. */
  private readonly buckets: { start: number; ok: number; failed: number }[] = [];

  constructor(options: CircuitBreakerOptions = {}) {
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  }

  state(now: number): BreakerState {
    if (this.current === 'open' && now - this.openedAt >= this.options.coolDownMs) return 'half_open';
    return this.current;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when it would now). */
  retryInMs(now: number): number {
    return this.current === 'open' ? Math.max(0, this.openedAt + this.options.coolDownMs - now) : 0;
  }

  /** Whether a call may go now; in half-open state this claims the single probe. */
  tryAcquire(now: number): boolean {
    const state = this.state(now);
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.current = 'half_open';
    this.probing = true;
    return true;
  }

  success(now: number): void {
    this.record(now, true);
    this.consecutive = 0;
    if (this.current !== 'closed') {
      this.current = 'closed';
      this.probing = false;
      this.buckets.length = 0;
    }
  }

  failure(now: number): void {
    this.record(now, false);
    this.consecutive++;
    if (this.current === 'half_open') {
      this.open(now);
      return;
    }
    if (this.current !== 'closed') return;
    if (this.consecutive >= this.options.failureThreshold) {
      this.open(now);
      return;
    }
    let total = 0;
    let failed = 0;
    for (const bucket of this.buckets) {
      total += bucket.ok + bucket.failed;
      failed += bucket.failed;
    }
    if (total >= this.options.minRequests && failed / total >= this.options.errorRateThreshold) this.open(now);
  }

  /** A call that ended with neither verdict (the client left): frees the probe. */
  release(): void {
    if (this.current === 'half_open') {
      this.probing = false;
    }
  }

  private open(now: number): void {
    this.current = 'open';
    this.openedAt = now;
    this.probing = false;
  }

  private record(now: number, ok: boolean): void {
    const size = Math.max(1, Math.floor(this.options.windowMs / 10));
    const start = now - (now % size);
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.start !== start) {
      last = { start, ok: 0, failed: 0 };
      this.buckets.push(last);
    }
    if (ok) last.ok++;
    else last.failed++;
    while (this.buckets.length && (this.buckets[0] as { start: number }).start <= now - this.options.windowMs) this.buckets.shift();
  }
}
