import type { Decision } from './types.js';

/**
 * The decision as it leaves Warden (error bodies, audit records, SDK errors): seed 002's
 * fields in snake_case, then the detail. The gateway and the SDK both build it here, so
 * the two shapes can never drift apart.
 */
export interface DecisionRecord {
  decision: Decision['action'];
  policy: string | null;
  rule: string | null;
  reason: string;
  user: string | null;
  environment: string | null;
  timestamp: string;
  request_id: string;
  code?: string;
  retry_after_seconds?: number;
  revision: string;
  model: { requested: string | null; used: string | null };
  estimate: { input_tokens: number; max_output_tokens: number; cost_usd: number | null; tokens_approximate: boolean };
  redactions: { entity: string; count: number }[];
  outcomes: {
    policy: string;
    rule: string;
    type: string;
    stage: string;
    outcome: string;
    shadow: boolean;
    reason?: string;
    code?: string;
    duration_us: number;
  }[];
}

export function decisionRecord(decision: Decision, requestedModel?: string): DecisionRecord {
  const record: DecisionRecord = {
    decision: decision.action,
    policy: decision.policy,
    rule: decision.rule,
    reason: decision.reason,
    user: decision.user,
    environment: decision.environment,
    timestamp: decision.timestamp,
    request_id: decision.requestId,
    revision: decision.revision,
    model: {
      // With a model change, `from` is what the client asked for (undefined: it named none).
      requested: requestedModel ?? (decision.modifications.model ? (decision.modifications.model.from ?? null) : (decision.estimate.model ?? null)),
      used: decision.modifications.model?.to ?? decision.estimate.model ?? null,
    },
    estimate: {
      input_tokens: decision.estimate.inputTokens,
      max_output_tokens: decision.estimate.maxOutputTokens,
      cost_usd: decision.estimate.costUsd,
      tokens_approximate: decision.estimate.tokensApproximate,
    },
    redactions: decision.modifications.redactions,
    outcomes: decision.outcomes.map((o) => ({
      policy: o.policy,
      rule: o.rule,
      type: o.type,
      stage: o.stage,
      outcome: o.outcome,
      shadow: o.shadow,
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
      ...(o.code !== undefined ? { code: o.code } : {}),
      duration_us: Math.round(o.durationUs * 10) / 10,
    })),
  };
  if (decision.code) record.code = decision.code;
  if (decision.retryAfterSeconds !== undefined) record.retry_after_seconds = decision.retryAfterSeconds;
  return record;
}
