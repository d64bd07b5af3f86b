import { describe, expect, it } from 'vitest';
import { parseBudgetDuration, spendKey, storeClaim } from '../../src/budgets/index.js';
import type { CounterClaim } from '../../src/engine/types.js';

const at = Date.parse('2026-11-22T23:59:59.999Z');
const base: CounterClaim = { policy: 'p', rule: 'r', scope: 'team:acme/search', metric: 'usd', window: 'day', limit: 1, amount: 0.01 };

describe('counter keys', () => {
  it('names counters by family, metric, scope and window, with money in micro-USD', () => {
    expect(storeClaim(base, at)).toEqual({ key: 'budget:usd:team:acme/search:day:2026-11-22', amount: 10_000, limit: 1_000_000, window: { kind: 'fixed', resetAt: Date.parse('2026-11-23T00:00:00Z') } });
    expect(storeClaim({ ...base, window: 'month' }, at)).toMatchObject({ key: 'budget:usd:team:acme/search:month:2026-11', window: { kind: 'fixed', resetAt: Date.parse('2026-12-01T00:00:00Z') } });
    expect(storeClaim({ ...base, window: 'month' }, Date.parse('2026-12-31T12:00:00Z')).window).toEqual({ kind: 'fixed', resetAt: Date.parse('2027-01-01T00:00:00Z') });
    expect(storeClaim({ ...base, metric: 'requests', window: 'sliding', windowSeconds: 60, limit: 100, amount: 1 }, at)).toEqual({ key: 'rate:requests:team:acme/search:60s', amount: 1, limit: 100, window: { kind: 'sliding', ms: 60_000 } });
    expect(storeClaim({ ...base, metric: 'concurrent', window: 'none', limit: 4, amount: 1 }, at).key).toBe('conc:concurrent:team:acme/search:total');
    expect(storeClaim({ ...base, metric: 'tool_calls', window: 'none', limit: 50, amount: 0 }, at).key).toBe('tools:tool_calls:team:acme/search:total');
    expect(spendKey('org:acme', at)).toBe('spend:usd:org:acme:day:2026-11-22');
  });

  it('rounds a worst case up and a cap to the nearest micro-dollar', () => {
    expect(storeClaim({ ...base, amount: 0.0000001, limit: 0.0000004 }, at)).toMatchObject({ amount: 1, limit: 0 });
  });

  it('parses key budget durations', () => {
    expect(parseBudgetDuration('1d')).toEqual({ window: 'day' });
    expect(parseBudgetDuration('1mo')).toEqual({ window: 'month' });
    expect(parseBudgetDuration('30d')).toEqual({ window: 'sliding', windowSeconds: 30 * 86_400 });
    expect(parseBudgetDuration('12h')).toEqual({ window: 'sliding', windowSeconds: 12 * 3_600 });
    expect(() => parseBudgetDuration('1w')).toThrow(/expected 1d, 1mo/);
  });
});
