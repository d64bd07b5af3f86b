// How a decision becomes HTTP: the refusal error (with its decision record) and the
// headers that say what Warden did.
import { statusOf } from '../engine/errors.js';
import type { Decision } from '../engine/types.js';
import { GatewayError, decisionMessage } from './errors.js';
import type { RateLimitResult } from './rate-limiter.js';

/** A decision that refuses the call, carried to the error writer with its record. */
export class RefusedError extends Error {
  constructor(
    readonly decision: Decision,
    readonly error: GatewayError,
  ) {
    super(error.message);
  }
}

/** Throws the wire error for a block, throttle or escalation; returns for allow and modify. */
export function refuseUnlessAllowed(decision: Decision): void {
  if (decision.action === 'allow' || decision.action === 'modify') return;
  const code = decision.code ?? (decision.action === 'throttle' ? 'rate_limited' : 'policy_violation');
  const status = decision.action === 'throttle' ? 429 : decision.action === 'escalate' ? 403 : statusOf(code);
  const headers: Record<string, string> = {};
  if (status === 429) headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterSeconds ?? 1)));
  throw new RefusedError(decision, new GatewayError(status, code, decisionMessage(decision), null, headers));
}

/** `model=gpt-4o-mini, redactions=2`: what Warden changed, never the values it removed. */
export function modifiedHeader(decision: Decision): string {
  const parts: string[] = [];
  const { model, redactions } = decision.modifications;
  if (model) parts.push(`model=${model.to}`);
  const count = redactions.reduce((n, r) => n + r.count, 0);
  if (count) parts.push(`redactions=${count}`);
  return parts.join(', ') || 'true';
}

export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  return { 'ratelimit-limit': String(result.limit), 'ratelimit-remaining': String(result.remaining), 'ratelimit-reset': String(result.resetSeconds) };
}
