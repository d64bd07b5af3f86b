import type { CounterClaim, Decision } from '../engine/types.js';

/** What a virtual key sets for itself when it is created (`tpm_limit`, `max_budget`, `budget_duration`). */
export interface KeyLimits {
  id: string;
  org: string;
  rpmLimit?: number;
  tpmLimit?: number;
  maxBudgetUsd?: number;
  budgetDuration?: string;
}

export const KEY_POLICY = 'virtual_key';

/**
 * `1d` → the UTC day, `1mo` → the calendar month, `Nd` / `Nh` / `Nm` → a sliding window.
 * Throws a RangeError naming the accepted forms.
 */
export function parseBudgetDuration(text: string): Pick<CounterClaim, 'window' | 'windowSeconds'> {
  if (text === '1d') return { window: 'day' };
  if (text === '1mo') return { window: 'month' };
  const m = /^([1-9][0-9]{0,3})(d|h|m)$/.exec(text);
  if (!m) throw new RangeError(`budget_duration "${text}": expected 1d, 1mo, or a number of days, hours or minutes such as 30d, 12h, 90m`);
  const unit = m[2] === 'd' ? 86_400 : m[2] === 'h' ? 3_600 : 60;
  return { window: 'sliding', windowSeconds: Number(m[1]) * unit };
}

/** True when a rule of the decision already counts this key's requests per sliding window. */
export function rulesCountKeyRequests(decision: Decision, key: Pick<KeyLimits, 'id' | 'org'>): boolean {
  const scope = `key:${key.org}/${key.id}`;
  return decision.claims.some((c) => c.metric === 'requests' && c.window === 'sliding' && c.scope === scope);
}

/**
 * The key's own limits as claims, reserved with the policies' claims in the same step.
 * With `requests` (a counter store shared by several gateways), requests per minute are the
 * key's `rpm_limit`, else `requests.defaultRpm` (seed 004: 100) unless a `rate_limit` rule
 * already counts this key's requests: kept in the shared store, the limit holds across
 * every replica. Without it, the gateway's own per-process window is the whole truth.
 */
export function keyClaims(key: KeyLimits, decision: Decision, requests?: { defaultRpm?: number }): CounterClaim[] {
  const out: CounterClaim[] = [];
  const scope = `key:${key.org}/${key.id}`;
  const rpm = requests === undefined ? undefined : (key.rpmLimit ?? (rulesCountKeyRequests(decision, key) ? undefined : requests.defaultRpm));
  if (rpm !== undefined) {
    // The implicit default fails open when the store is down (the gateway's per-process
    // limiter still stands); a key's own rpm_limit fails closed like any written limit.
    const failOpen = key.rpmLimit === undefined;
    out.push({ policy: KEY_POLICY, rule: 'rpm_limit', code: 'rate_limited', scope, metric: 'requests', window: 'sliding', windowSeconds: 60, limit: rpm, amount: 1, ...(failOpen ? { failOpen } : {}) });
  }
  if (key.maxBudgetUsd !== undefined) {
    out.push({ policy: KEY_POLICY, rule: 'max_budget', code: 'budget_exceeded', scope, metric: 'usd', ...parseBudgetDuration(key.budgetDuration ?? '1mo'), limit: key.maxBudgetUsd, amount: decision.estimate.costUsd ?? 0 });
  }
  if (key.tpmLimit !== undefined) {
    const tokens = decision.estimate.inputTokens + decision.estimate.maxOutputTokens;
    out.push({ policy: KEY_POLICY, rule: 'tpm_limit', scope, metric: 'tokens', window: 'sliding', windowSeconds: 60, limit: key.tpmLimit, amount: tokens });
  }
  return out;
}
