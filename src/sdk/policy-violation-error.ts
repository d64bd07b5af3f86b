import { type DecisionRecord, decisionRecord } from '../engine/decision-record.js';
import { statusOf } from '../engine/errors.js';
import type { Decision } from '../engine/types.js';

/**
 * Thrown before any network call when Warden refuses a call (seed 003). `ruleName` and
 * `reason` say why; `decision` is the same record the gateway returns, plus `metadata`
 * (the deciding rule's details, e.g. the estimated cost and the limit).
 */
export class PolicyViolationError extends Error {
  /** Stable marker, so `isPolicyViolationError` works across package copies. */
  readonly wardenError = 'policy_violation';
  readonly ruleName: string | null;
  readonly policyName: string | null;
  readonly reason: string;
  readonly code: string;
  /** The HTTP status the gateway would answer with (403, 429, ...). */
  readonly status: number;
  readonly retryAfterSeconds?: number;
  readonly decision: DecisionRecord & { metadata: Record<string, unknown> };

  constructor(decision: Decision, requestedModel?: string) {
    const code = decision.code ?? 'policy_violation';
    super(`${decision.reason}${decision.rule ? ` (rule ${decision.rule}${decision.policy ? ` in policy ${decision.policy}` : ''})` : ''}`);
    this.name = 'PolicyViolationError';
    this.ruleName = decision.rule;
    this.policyName = decision.policy;
    this.reason = decision.reason;
    this.code = code;
    this.status = decision.action === 'throttle' ? 429 : statusOf(code);
    if (decision.retryAfterSeconds !== undefined) this.retryAfterSeconds = decision.retryAfterSeconds;
    const deciding = decision.outcomes.find((o) => !o.shadow && o.rule === decision.rule && o.policy === decision.policy && o.outcome === decision.action);
    this.decision = { ...decisionRecord(decision, requestedModel), metadata: { reason: decision.reason, ...(deciding?.metadata ?? {}) } };
  }
}

export function isPolicyViolationError(err: unknown): err is PolicyViolationError {
  return typeof err === 'object' && err !== null && (err as { wardenError?: unknown }).wardenError === 'policy_violation';
}
