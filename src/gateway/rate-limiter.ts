/**
 * A per-key requests-per-minute limiter in process memory (seed 004: 100/min by default).
 * Fixed one-minute windows per key; kept apart from the gateway so it can move onto the
 * shared counter store without touching request handling.
 */
export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (the `RateLimit-Reset` and `Retry-After` value). */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;
/** Past this many tracked keys (client IPs can be many), finished windows are dropped. */
const SWEEP_AT = 10_000;

export class RequestRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly defaultLimit: number) {}

  /** The key's window without spending from it. */
  peek(key: string, now: number, limit = this.defaultLimit): RateLimitResult {
    const window = this.windows.get(key);
    const current = window && now - window.start < WINDOW_MS ? window : { start: now - (now % WINDOW_MS), count: 0 };
    const resetSeconds = Math.max(1, Math.ceil((current.start + WINDOW_MS - now) / 1000));
    return { allowed: current.count < limit, limit, remaining: Math.max(0, limit - current.count), resetSeconds };
  }

  hit(key: string, now: number, limit = this.defaultLimit): RateLimitResult {
    let window = this.windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { start: now - (now % WINDOW_MS), count: 0 };
      this.windows.set(key, window);
    }
    const resetSeconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
    if (window.count >= limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    window.count++;
    return { allowed: true, limit, remaining: limit - window.count, resetSeconds };
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.start >= WINDOW_MS) this.windows.delete(key);
    }
  }
}
