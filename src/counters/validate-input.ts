// Shared input checks, so both adapters reject the same programmer errors the same way
// (RangeError) instead of silently storing something the other backend would refuse.
import type { CounterWindow, ReserveRequest } from './counter-store.js';

function isAmount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function fail(message: string): never {
  throw new RangeError(`counter store: ${message}`);
}

export function assertAmount(value: number, what: string): void {
  if (!isAmount(value)) fail(`${what} must be a non-negative safe integer, got ${value}`);
}

export function assertTime(now: number): void {
  if (!Number.isSafeInteger(now) || now < 0) fail(`now must be epoch ms, got ${now}`);
}

export function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) fail('keys must be non-empty strings');
}

export function assertWindow(window: CounterWindow, now: number): void {
  switch (window.kind) {
    case 'fixed':
      if (!Number.isSafeInteger(window.resetAt) || window.resetAt <= now) {
        fail(`a fixed window must reset after now (${now}), got resetAt ${window.resetAt}`);
      }
      return;
    case 'sliding':
      if (!Number.isSafeInteger(window.ms) || window.ms <= 0) {
        fail(`a sliding window needs a positive integer ms, got ${window.ms}`);
      }
      return;
    case 'none':
      return;
    default:
      fail(`unknown window kind ${String((window as { kind: unknown }).kind)}`);
  }
}

export function assertReserveRequest(req: ReserveRequest): void {
  if (typeof req.id !== 'string' || req.id.length === 0) fail('reservation id must be a non-empty string');
  assertTime(req.now);
  if (!Number.isSafeInteger(req.leaseMs) || req.leaseMs <= 0) fail(`leaseMs must be a positive integer, got ${req.leaseMs}`);
  if (req.claims.length === 0) fail('a reservation needs at least one claim');
  const seen = new Set<string>();
  for (const claim of req.claims) {
    assertKey(claim.key);
    // One counter twice in one reservation would be checked against a stale sum.
    if (seen.has(claim.key)) fail(`duplicate claim key ${claim.key}`);
    seen.add(claim.key);
    assertAmount(claim.amount, 'amount');
    assertAmount(claim.limit, 'limit');
    assertWindow(claim.window, req.now);
  }
}

export function assertActuals(actual: readonly number[]): void {
  for (const value of actual) assertAmount(value, 'actual');
}

export function assertTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) fail(`ttlMs must be a positive integer, got ${ttlMs}`);
}

export function actualsMismatch(expected: number, got: number): never {
  fail(`settle needs one actual per claim: expected ${expected}, got ${got}`);
}
