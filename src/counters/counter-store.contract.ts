// The one behaviour suite every CounterStore backend must pass (Hono's
// common.case.test.ts pattern). Adapters call runCounterStoreContract from their
// own test files; the clock is always injected, so windows and leases are exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Claim, CounterStore, CounterWindow, ReserveResult } from './counter-store.js';

export interface CounterStoreHarness {
  /** A fresh store; keys are unique per test, so stores may share a backend. */
  create(): Promise<CounterStore>;
  /** Removes whatever the run left behind (Redis keys under the run's prefix). */
  cleanup?(): Promise<void>;
}

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const MIDNIGHT = Date.UTC(2026, 10, 23);
const NEXT_MIDNIGHT = Date.UTC(2026, 10, 24);
const DAY: CounterWindow = { kind: 'fixed', resetAt: MIDNIGHT };
const NONE: CounterWindow = { kind: 'none' };
const CENT = 10_000; // micro-USD
const DOLLAR = 1_000_000;
const LEASE = 30_000;

function expectOk(result: ReserveResult): Extract<ReserveResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result;
}

function expectRejected(result: ReserveResult): Extract<ReserveResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result;
}

export function runCounterStoreContract(name: string, harness: CounterStoreHarness): void {
  describe(`CounterStore contract: ${name}`, () => {
    let store: CounterStore;
    let seq = 0;
    const run = Math.random().toString(36).slice(2, 8);
    /** A key and a reservation-id factory unique to one test. */
    const fresh = (label: string): string => `${label}:${run}:${++seq}`;
    const claim = (key: string, amount: number, limit: number, window: CounterWindow = DAY): Claim => ({
      key,
      amount,
      limit,
      window,
    });

    beforeAll(async () => {
      store = await harness.create();
    });
    afterAll(async () => {
      await store.close();
      await harness.cleanup?.();
    });

    it('reserves within the limit and reports remaining and reset per claim', async () => {
      const key = fresh('budget');
      const result = expectOk(
        await store.reserve({ id: fresh('r'), claims: [claim(key, 30 * CENT, DOLLAR)], leaseMs: LEASE, now: T0 }),
      );
      expect(result.remaining).toEqual([70 * CENT]);
      expect(result.resetAt).toEqual([MIDNIGHT]);
      expect(await store.usage([key, fresh('unknown')], T0)).toEqual([30 * CENT, 0]);
    });

    it('is all or nothing across claims: one claim over its cap reserves nothing anywhere', async () => {
      const [key, team, org] = [fresh('key'), fresh('team'), fresh('org')];
      await store.add(team, 95 * CENT, DAY, T0);
      const result = expectRejected(
        await store.reserve({
          id: fresh('r'),
          claims: [claim(key, 10 * CENT, DOLLAR), claim(team, 10 * CENT, DOLLAR), claim(org, 10 * CENT, 100 * DOLLAR)],
          leaseMs: LEASE,
          now: T0,
        }),
      );
      expect(result).toMatchObject({ failed: 1, used: 95 * CENT, limit: DOLLAR });
      expect(await store.usage([key, team, org], T0)).toEqual([0, 95 * CENT, 0]);
    });

    it('admits exactly what fits under concurrency: 400 x $0.01 against $1.00 admits 100', async () => {
      const key = fresh('budget');
      const ids = Array.from({ length: 400 }, () => fresh('r'));
      const results = await Promise.all(
        ids.map((id) => store.reserve({ id, claims: [claim(key, CENT, DOLLAR)], leaseMs: LEASE, now: T0 })),
      );
      const admitted = ids.filter((_, i) => results[i]?.ok);
      expect(admitted).toHaveLength(100);
      expect(await store.usage([key], T0)).toEqual([DOLLAR]);
      const outcomes = await Promise.all(admitted.map((id) => store.settle(id, [CENT], T0 + 1)));
      expect(outcomes.every((o) => o === 'settled')).toBe(true);
      expect(await store.usage([key], T0 + 1)).toEqual([DOLLAR]);
      expectRejected(await store.reserve({ id: fresh('r'), claims: [claim(key, 1, DOLLAR)], leaseMs: LEASE, now: T0 + 2 }));
    });

    it('never lets settled spend pass the cap when reserve and settle interleave', async () => {
      const key = fresh('budget');
      let admitted = 0;
      await Promise.all(
        Array.from({ length: 300 }, async () => {
          const id = fresh('r');
          const result = await store.reserve({ id, claims: [claim(key, 3 * CENT, DOLLAR)], leaseMs: LEASE, now: T0 });
          if (!result.ok) return;
          admitted++;
          await store.settle(id, [2 * CENT], T0);
        }),
      );
      const [spent = 0] = await store.usage([key], T0);
      expect(spent).toBe(admitted * 2 * CENT);
      expect(spent).toBeLessThanOrEqual(DOLLAR);
      expect(admitted).toBeGreaterThanOrEqual(33);
    });

    it('settles lower than reserved, giving the difference back', async () => {
      const key = fresh('budget');
      const id = fresh('r');
      expectOk(await store.reserve({ id, claims: [claim(key, 50 * CENT, DOLLAR)], leaseMs: LEASE, now: T0 }));
      expect(await store.settle(id, [12 * CENT], T0 + 10)).toBe('settled');
      expect(await store.usage([key], T0 + 10)).toEqual([12 * CENT]);
    });

    it('settles higher than reserved: the actual counts, even past the cap, and blocks what follows', async () => {
      const key = fresh('budget');
      const id = fresh('r');
      expectOk(await store.reserve({ id, claims: [claim(key, 90 * CENT, DOLLAR)], leaseMs: LEASE, now: T0 }));
      expect(await store.settle(id, [120 * CENT], T0 + 10)).toBe('settled');
      expect(await store.usage([key], T0 + 10)).toEqual([120 * CENT]);
      const rejected = expectRejected(
        await store.reserve({ id: fresh('r'), claims: [claim(key, 1, DOLLAR)], leaseMs: LEASE, now: T0 + 20 }),
      );
      expect(rejected.used).toBe(120 * CENT);
      expect(rejected.retryAfterMs).toBe(MIDNIGHT - (T0 + 20));
    });

    it('settles each claim of a hierarchy with its own actual', async () => {
      const [key, team] = [fresh('key'), fresh('concurrency')];
      const id = fresh('r');
      expectOk(
        await store.reserve({
          id,
          claims: [claim(key, 40 * CENT, DOLLAR), claim(team, 1, 5, NONE)],
          leaseMs: LEASE,
          now: T0,
        }),
      );
      expect(await store.settle(id, [7 * CENT, 0], T0 + 1)).toBe('settled');
      expect(await store.usage([key, team], T0 + 1)).toEqual([7 * CENT, 0]);
    });

    it('releases everything; release and settle afterwards change nothing', async () => {
      const [key, org] = [fresh('key'), fresh('org')];
      const id = fresh('r');
      await store.add(key, 5 * CENT, DAY, T0);
      expectOk(
        await store.reserve({
          id,
          claims: [claim(key, 40 * CENT, DOLLAR), claim(org, 40 * CENT, DOLLAR)],
          leaseMs: LEASE,
          now: T0,
        }),
      );
      expect(await store.release(id, T0 + 1)).toBe('released');
      expect(await store.usage([key, org], T0 + 1)).toEqual([5 * CENT, 0]);
      expect(await store.release(id, T0 + 2)).toBe('unknown');
      expect(await store.settle(id, [40 * CENT, 40 * CENT], T0 + 3)).toBe('unknown');
      expect(await store.usage([key, org], T0 + 3)).toEqual([5 * CENT, 0]);
    });

    it('counts a settle once, however often it is repeated', async () => {
      const key = fresh('budget');
      const id = fresh('r');
      expectOk(await store.reserve({ id, claims: [claim(key, 10 * CENT, DOLLAR)], leaseMs: LEASE, now: T0 }));
      expect(await store.settle(id, [8 * CENT], T0 + 1)).toBe('settled');
      expect(await store.settle(id, [8 * CENT], T0 + 2)).toBe('unknown');
      expect(await store.release(id, T0 + 3)).toBe('unknown');
      expect(await store.usage([key], T0 + 3)).toEqual([8 * CENT]);
    });

    it('treats a repeated reserve with a live id as the same reservation', async () => {
      const key = fresh('budget');
      const id = fresh('r');
      const req = { id, claims: [claim(key, 60 * CENT, DOLLAR)], leaseMs: LEASE, now: T0 };
      expectOk(await store.reserve(req));
      expect(expectOk(await store.reserve({ ...req, now: T0 + 5 })).remaining).toEqual([40 * CENT]);
      expect(await store.usage([key], T0 + 5)).toEqual([60 * CENT]);
    });

    it('expires a lease that is neither settled nor released, giving the budget back', async () => {
      const key = fresh('budget');
      const id = fresh('r');
      expectOk(await store.reserve({ id, claims: [claim(key, DOLLAR, DOLLAR)], leaseMs: 1000, now: T0 }));
      expect(await store.usage([key], T0 + 999)).toEqual([DOLLAR]);
      expectRejected(await store.reserve({ id: fresh('r'), claims: [claim(key, 1, DOLLAR)], leaseMs: 1000, now: T0 + 999 }));
      expect(await store.usage([key], T0 + 1000)).toEqual([0]);
      expectOk(await store.reserve({ id: fresh('r'), claims: [claim(key, DOLLAR, DOLLAR)], leaseMs: 1000, now: T0 + 1000 }));
      // A late settle of the expired lease is a no-op: its amount was already given back.
      expect(await store.settle(id, [DOLLAR], T0 + 1001)).toBe('expired');
      expect(await store.release(id, T0 + 1002)).toBe('unknown');
      expect(await store.usage([key], T0 + 1002)).toEqual([DOLLAR]);
    });

    it('gives back an expired lease even when the next call touches only other claims of it', async () => {
      const [key, org] = [fresh('key'), fresh('org')];
      const id = fresh('r');
      expectOk(
        await store.reserve({
          id,
          claims: [claim(key, 30 * CENT, DOLLAR), claim(org, 30 * CENT, DOLLAR)],
          leaseMs: 500,
          now: T0,
        }),
      );
      expect(await store.usage([org], T0 + 500)).toEqual([0]);
      expect(await store.release(id, T0 + 600)).toBe('expired');
      expect(await store.usage([key, org], T0 + 600)).toEqual([0, 0]);
    });

    it('resets a fixed window at UTC midnight', async () => {
      const key = fresh('budget:day');
      const before = MIDNIGHT - 1;
      const id = fresh('r');
      expectOk(await store.reserve({ id, claims: [claim(key, DOLLAR, DOLLAR)], leaseMs: LEASE, now: before - 10 }));
      await store.settle(id, [DOLLAR], before - 5);
      const rejected = expectRejected(
        await store.reserve({ id: fresh('r'), claims: [claim(key, CENT, DOLLAR)], leaseMs: LEASE, now: before }),
      );
      expect(rejected.retryAfterMs).toBe(1);
      expect(await store.usage([key], MIDNIGHT)).toEqual([0]);
      const next: CounterWindow = { kind: 'fixed', resetAt: NEXT_MIDNIGHT };
      const ok = expectOk(
        await store.reserve({ id: fresh('r'), claims: [claim(key, CENT, DOLLAR, next)], leaseMs: LEASE, now: MIDNIGHT }),
      );
      expect(ok).toEqual({ ok: true, remaining: [DOLLAR - CENT], resetAt: [NEXT_MIDNIGHT] });
    });

    it('resets a fixed window at the month boundary', async () => {
      const key = fresh('budget:month');
      const monthEnd = Date.UTC(2026, 11, 1);
      const month: CounterWindow = { kind: 'fixed', resetAt: monthEnd };
      await store.add(key, 100 * DOLLAR, month, Date.UTC(2026, 10, 3));
      expectRejected(
        await store.reserve({ id: fresh('r'), claims: [claim(key, CENT, 100 * DOLLAR, month)], leaseMs: LEASE, now: monthEnd - 1 }),
      );
      const december: CounterWindow = { kind: 'fixed', resetAt: Date.UTC(2027, 0, 1) };
      expectOk(
        await store.reserve({ id: fresh('r'), claims: [claim(key, CENT, 100 * DOLLAR, december)], leaseMs: LEASE, now: monthEnd }),
      );
      expect(await store.usage([key], monthEnd)).toEqual([CENT]);
    });

    it('counts a call that straddles the reset toward the window it was reserved in', async () => {
      const key = fresh('budget:day');
      const id = fresh('r');
      expectOk(await store.reserve({ id, claims: [claim(key, 20 * CENT, DOLLAR)], leaseMs: LEASE, now: MIDNIGHT - 100 }));
      // In flight across midnight: the reservation still holds capacity in the new day.
      expect(await store.usage([key], MIDNIGHT + 1)).toEqual([20 * CENT]);
      expect(await store.settle(id, [15 * CENT], MIDNIGHT + 100)).toBe('settled');
      expect(await store.usage([key], MIDNIGHT + 100)).toEqual([0]);
    });

    it('slides a window: capacity returns as old entries age out, with an exact retry hint', async () => {
      const key = fresh('rpm');
      const minute: CounterWindow = { kind: 'sliding', ms: 60_000 };
      for (const offset of [0, 10_000, 20_000]) {
        const id = fresh('r');
        expectOk(await store.reserve({ id, claims: [claim(key, 1, 3, minute)], leaseMs: LEASE, now: T0 + offset }));
        expect(await store.settle(id, [1], T0 + offset + 500)).toBe('settled');
      }
      const rejected = expectRejected(
        await store.reserve({ id: fresh('r'), claims: [claim(key, 1, 3, minute)], leaseMs: LEASE, now: T0 + 30_000 }),
      );
      expect(rejected).toMatchObject({ used: 3, limit: 3, retryAfterMs: 30_000 });
      expect(await store.usage([key], T0 + 59_999)).toEqual([3]);
      expect(await store.usage([key], T0 + 60_000)).toEqual([2]);
      const ok = expectOk(
        await store.reserve({ id: fresh('r'), claims: [claim(key, 1, 3, minute)], leaseMs: LEASE, now: T0 + 60_000 }),
      );
      expect(ok.remaining).toEqual([0]);
      expect(ok.resetAt).toEqual([T0 + 70_000]);
    });

    it('slides token amounts and dates a settled call at its reservation', async () => {
      const key = fresh('tpm');
      const minute: CounterWindow = { kind: 'sliding', ms: 60_000 };
      const id = fresh('r');
      expectOk(await store.reserve({ id, claims: [claim(key, 4000, 10_000, minute)], leaseMs: LEASE, now: T0 }));
      await store.settle(id, [2500], T0 + 20_000);
      await store.add(key, 3000, minute, T0 + 30_000);
      const rejected = expectRejected(
        await store.reserve({ id: fresh('r'), claims: [claim(key, 6000, 10_000, minute)], leaseMs: LEASE, now: T0 + 40_000 }),
      );
      // 5500 used; 6000 more needs 1500 freed: the 2500 dated T0 leaves at T0 + 60 s.
      expect(rejected).toMatchObject({ used: 5500, retryAfterMs: 20_000 });
      expectOk(
        await store.reserve({ id: fresh('r'), claims: [claim(key, 6000, 10_000, minute)], leaseMs: LEASE, now: T0 + 60_000 }),
      );
    });

    it('hints a short retry when only in-flight reservations block, and none when waiting cannot help', async () => {
      const slots = fresh('concurrency');
      const a = fresh('r');
      expectOk(await store.reserve({ id: a, claims: [claim(slots, 1, 2, NONE)], leaseMs: 600, now: T0 }));
      expectOk(await store.reserve({ id: fresh('r'), claims: [claim(slots, 1, 2, NONE)], leaseMs: 5000, now: T0 }));
      const busy = expectRejected(
        await store.reserve({ id: fresh('r'), claims: [claim(slots, 1, 2, NONE)], leaseMs: 600, now: T0 + 100 }),
      );
      expect(busy.retryAfterMs).toBe(500);
      expect(await store.settle(a, [0], T0 + 200)).toBe('settled');
      expectOk(await store.reserve({ id: fresh('r'), claims: [claim(slots, 1, 2, NONE)], leaseMs: 600, now: T0 + 200 }));

      const longLease = fresh('budget');
      expectOk(await store.reserve({ id: fresh('r'), claims: [claim(longLease, 90 * CENT, DOLLAR)], leaseMs: 600_000, now: T0 }));
      const capped = expectRejected(
        await store.reserve({ id: fresh('r'), claims: [claim(longLease, 20 * CENT, DOLLAR)], leaseMs: LEASE, now: T0 }),
      );
      expect(capped.retryAfterMs).toBe(1000);

      const tooBig = expectRejected(
        await store.reserve({ id: fresh('r'), claims: [claim(fresh('budget'), 2 * DOLLAR, DOLLAR)], leaseMs: LEASE, now: T0 }),
      );
      expect(tooBig.retryAfterMs).toBeNull();

      const session = fresh('session');
      await store.add(session, DOLLAR, NONE, T0);
      const spent = expectRejected(
        await store.reserve({ id: fresh('r'), claims: [claim(session, CENT, DOLLAR, NONE)], leaseMs: LEASE, now: T0 }),
      );
      expect(spent).toMatchObject({ used: DOLLAR, retryAfterMs: null });
    });

    it('reports resetAt null for none windows and the window end for fixed ones', async () => {
      const result = expectOk(
        await store.reserve({
          id: fresh('r'),
          claims: [claim(fresh('session'), 1, 10, NONE), claim(fresh('day'), 1, 10)],
          leaseMs: LEASE,
          now: T0,
        }),
      );
      expect(result.resetAt).toEqual([null, MIDNIGHT]);
    });

    it('sets a dedup key once per TTL', async () => {
      const key = fresh('dedup');
      expect(await store.setIfAbsent(key, 10_000, T0)).toEqual({ set: true, ttlRemainingMs: 10_000 });
      expect(await store.setIfAbsent(key, 10_000, T0 + 4000)).toEqual({ set: false, ttlRemainingMs: 6000 });
      expect(await store.setIfAbsent(key, 10_000, T0 + 10_000)).toEqual({ set: true, ttlRemainingMs: 10_000 });
    });

    it('adds without a reservation and returns the new total in the window', async () => {
      const key = fresh('loop');
      expect(await store.add(key, 1, DAY, T0)).toBe(1);
      expect(await store.add(key, 2, DAY, T0 + 1)).toBe(3);
      expect(await store.add(key, 1, { kind: 'fixed', resetAt: NEXT_MIDNIGHT }, MIDNIGHT)).toBe(1);
      const session = fresh('session');
      expect(await store.add(session, 5, NONE, T0)).toBe(5);
      expect(await store.add(session, 0, NONE, T0 + 86_400_000)).toBe(5);
      const sliding = fresh('calls');
      const tenSeconds: CounterWindow = { kind: 'sliding', ms: 10_000 };
      expect(await store.add(sliding, 1, tenSeconds, T0)).toBe(1);
      expect(await store.add(sliding, 1, tenSeconds, T0 + 5000)).toBe(2);
      expect(await store.add(sliding, 1, tenSeconds, T0 + 10_000)).toBe(2);
    });

    it('rejects malformed input with a RangeError before touching state', async () => {
      const key = fresh('budget');
      await expect(
        store.reserve({ id: fresh('r'), claims: [claim(key, 1, 10), claim(key, 1, 10)], leaseMs: LEASE, now: T0 }),
      ).rejects.toThrow(RangeError);
      await expect(
        store.reserve({ id: fresh('r'), claims: [claim(key, 0.5, 10)], leaseMs: LEASE, now: T0 }),
      ).rejects.toThrow(RangeError);
      await expect(
        store.reserve({ id: fresh('r'), claims: [claim(key, 1, 10, { kind: 'fixed', resetAt: T0 })], leaseMs: LEASE, now: T0 }),
      ).rejects.toThrow(RangeError);
      await expect(store.reserve({ id: fresh('r'), claims: [], leaseMs: LEASE, now: T0 })).rejects.toThrow(RangeError);
      const id = fresh('r');
      expectOk(await store.reserve({ id, claims: [claim(key, 1, 10)], leaseMs: LEASE, now: T0 }));
      await expect(store.settle(id, [1, 1], T0)).rejects.toThrow(RangeError);
      expect(await store.settle(id, [1], T0)).toBe('settled');
      expect(await store.usage([key], T0)).toEqual([1]);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
