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

export class RequestRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly defaultLimit: number) {}

  hit(key: string, now: number, limit = this.defaultLimit): RateLimitResult {
    let window = this.windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now - (now % WINDOW_MS), count: 0 };
      this.windows.set(key, window);
    }
    const resetSeconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
    if (window.count >= limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    window.count++;
    return { allowed: true, limit, remaining: limit - window.count, resetSeconds };
  }
}
