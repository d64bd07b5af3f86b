import { formatUsd } from '../engine/cost.js';
import { statusOf } from '../engine/errors.js';
import type { CounterClaim, Decision, RuleOutcome } from '../engine/types.js';
import type { EnforceResult } from './enforce.js';

interface Refused {
  /** Store units (micro-USD, tokens, calls). */
  used: number;
  limit: number;
  amount: number;
  retryAfterMs: number | null;
  /** Set for a forecast refusal: `amount` is then the projected 30-day spend. */
  forecastDays?: number;
}

/** The refused decision: the claim's rule becomes the deciding rule, with a stable code. */
export function refusalOf(decision: Decision, claim: CounterClaim, refused: Refused): Extract<EnforceResult, { ok: false }> {
  const code = codeOf(claim);
  const action = code === 'loop_detected' ? 'block' : 'throttle';
  const retryAfterSeconds = refused.retryAfterMs === null ? undefined : Math.max(1, Math.ceil(refused.retryAfterMs / 1000));
  const reason = reasonOf(claim, code, refused, retryAfterSeconds);
  return { ok: false, status: statusOf(code), decision: refusedDecision(decision, claim, action, code, reason, retryAfterSeconds) };
}

export function unavailableRefusal(decision: Decision, claim: CounterClaim, err: Error): Extract<EnforceResult, { ok: false }> {
  const reason = `the counter store is unreachable, so the ${claim.rule} limit cannot be checked and the call is refused (rules fail closed unless they set fail_open): ${err.message}`;
  return { ok: false, status: 503, decision: refusedDecision(decision, claim, 'block', 'counter_store_unavailable', reason, undefined) };
}

function refusedDecision(decision: Decision, claim: CounterClaim, action: 'block' | 'throttle', code: string, reason: string, retryAfterSeconds: number | undefined): Decision {
  let marked = false;
  const outcomes = decision.outcomes.map((o): RuleOutcome => {
    if (marked || o.policy !== claim.policy || o.rule !== claim.rule || o.shadow) return o;
    marked = true;
    return { ...o, outcome: action, reason, code };
  });
  const { retryAfterSeconds: _previous, ...rest } = decision;
  return {
    ...rest,
    action,
    code,
    policy: claim.policy,
    rule: claim.rule,
    reason,
    outcomes,
    claims: [],
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}

function codeOf(claim: CounterClaim): string {
  if (claim.code) return claim.code;
  if (claim.metric === 'dedup') return 'duplicate_request';
  if (claim.metric === 'tool_calls') return 'loop_detected';
  if (claim.kind !== 'forecast' && (claim.window === 'sliding' || claim.metric === 'concurrent')) return 'rate_limited';
  return 'budget_exceeded';
}

function show(claim: CounterClaim, units: number): string {
  if (claim.metric === 'usd') return formatUsd(units / 1_000_000);
  return `${units} ${claim.metric === 'requests' ? 'calls' : claim.metric}`;
}

function reasonOf(claim: CounterClaim, code: string, r: Refused, retry: number | undefined): string {
  const when = retry === undefined ? 'waiting will not help' : `retry after ${retry} s`;
  if (r.forecastDays !== undefined) {
    return `projected 30-day spend of ${claim.scope} is ${show(claim, r.amount)} (from ${show(claim, r.used)} over the last ${r.forecastDays} days, this call included), above the ${formatUsd(claim.limit)} budget; ${when}`;
  }
  switch (code) {
    case 'duplicate_request':
      return `duplicate of an identical request sent within the last ${claim.windowSeconds ?? 0} s; it may be retried in ${retry ?? claim.windowSeconds ?? 0} s`;
    case 'loop_detected':
      return `${claim.scope.split(':')[0]} ${claim.scope} made ${r.used} tool calls, more than the ceiling of ${r.limit}; start a new ${claim.scope.split(':')[0]}`;
    case 'rate_limited':
      if (claim.metric === 'concurrent') return `${r.limit} calls of ${claim.scope} already in flight (the concurrency limit); ${when}`;
      return `rate limit of ${show(claim, r.limit)} per ${claim.windowSeconds ?? 60} s for ${claim.scope} reached (${show(claim, r.used)} used, this call needs ${show(claim, r.amount)}); ${when}`;
    default: {
      const per = claim.window === 'none' ? 'in total' : claim.window === 'sliding' ? `per ${claim.windowSeconds ?? 0} s` : `per ${claim.window}`;
      const over = r.amount > r.limit ? `this call alone needs up to ${show(claim, r.amount)}` : `${show(claim, r.used)} spent or held, this call needs up to ${show(claim, r.amount)}`;
      return `budget of ${show(claim, r.limit)} ${per} for ${claim.scope} would be passed (${over}); ${when}`;
    }
  }
}
