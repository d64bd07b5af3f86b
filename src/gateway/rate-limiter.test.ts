import { describe, expect, it } from 'vitest';
import { RequestRateLimiter } from './rate-limiter.js';

describe('RequestRateLimiter', () => {
  it('allows the limit per key per minute window, then refuses until the reset', () => {
    const limiter = new RequestRateLimiter(2);
    const t = 1_000_000 * 60_000 + 15_000;
    expect(limiter.hit('k', t)).toEqual({ allowed: true, limit: 2, remaining: 1, resetSeconds: 45 });
    expect(limiter.hit('k', t).remaining).toBe(0);
    expect(limiter.hit('k', t + 1_000)).toMatchObject({ allowed: false, resetSeconds: 44 });
    expect(limiter.hit('other', t).allowed).toBe(true);
    expect(limiter.hit('k', t + 45_000).allowed).toBe(true);
    expect(limiter.hit('big', t, 10).limit).toBe(10);
  });
});
