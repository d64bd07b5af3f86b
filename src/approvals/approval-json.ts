import type { DecisionRecord } from '../engine/decision-record.js';
import type { Approval, ApprovalStatus } from './types.js';

/** An approval as the admin API and the webhooks show it (snake_case, ISO times). */
export interface ApprovalJson {
  id: string;
  status: ApprovalStatus;
  request_id: string;
  route: string;
  requester: { org: string; team: string | null; user: string | null; key_id: string | null; environment: string | null };
  model: string | null;
  estimated_cost_usd: number | null;
  policy: string | null;
  rule: string | null;
  reason: string;
  decision: DecisionRecord;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  resolution_reason: string | null;
}

export function approvalJson(approval: Approval): ApprovalJson {
  const { requester } = approval;
  return {
    id: approval.id,
    status: approval.status,
    request_id: approval.requestId,
    route: approval.route,
    requester: { org: requester.org, team: requester.team ?? null, user: requester.user ?? null, key_id: requester.keyId ?? null, environment: requester.environment ?? null },
    model: approval.model,
    estimated_cost_usd: approval.estimatedCostUsd,
    policy: approval.decision.policy,
    rule: approval.decision.rule,
    reason: approval.decision.reason,
    decision: approval.decision,
    created_at: new Date(approval.createdAt).toISOString(),
    expires_at: new Date(approval.expiresAt).toISOString(),
    decided_at: approval.decidedAt !== undefined ? new Date(approval.decidedAt).toISOString() : null,
    decided_by: approval.decidedBy ?? null,
    resolution_reason: approval.resolutionReason ?? null,
  };
}
