import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('opens after consecutive failures and lets one probe through after the cool-down', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1_000 });
    for (let i = 0; i < 3; i++) {
      expect(breaker.tryAcquire(i)).toBe(true);
      breaker.failure(i);
    }
    expect(breaker.state(10)).toBe('open');
    expect(breaker.tryAcquire(500)).toBe(false);
    expect(breaker.retryInMs(500)).toBe(502);
    expect(breaker.tryAcquire(1_002)).toBe(true);
    expect(breaker.tryAcquire(1_003)).toBe(false);
    breaker.success(1_004);
    expect(breaker.state(1_004)).toBe('closed');
  });

  it('opens on the error rate over the window once enough calls were seen', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 100, errorRateThreshold: 0.5, minRequests: 10, windowMs: 10_000 });
    for (let i = 0; i < 9; i++) {
      if (i % 2) breaker.failure(i * 100);
      else breaker.success(i * 100);
    }
    expect(breaker.state(1_000)).toBe('closed');
    breaker.failure(1_000);
    expect(breaker.state(1_000)).toBe('open');
  });

  it('forgets outcomes older than the window', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 100, minRequests: 4, windowMs: 1_000 });
    for (let i = 0; i < 3; i++) breaker.failure(i);
    breaker.success(5_000);
    breaker.failure(5_001);
    expect(breaker.state(5_001)).toBe('closed');
  });

  it('frees the probe when its call ends without a verdict', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 10 });
    breaker.failure(0);
    expect(breaker.tryAcquire(10)).toBe(true);
    breaker.release();
    expect(breaker.tryAcquire(11)).toBe(true);
  });
});
