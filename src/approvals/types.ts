import type { DecisionRecord } from '../engine/decision-record.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'rejected', 'expired', 'cancelled'];

/** Who asked: the tenant without the key prefix (part of a credential never leaves the gateway). */
export interface ApprovalRequester {
  org: string;
  team?: string;
  user?: string;
  keyId?: string;
  environment?: string;
}

/**
 * One escalated call waiting for (or settled by) a human. It holds the decision record and
 * the estimate, never the prompt: approvers decide on who, which model and how much.
 */
export interface Approval {
  id: string;
  status: ApprovalStatus;
  requestId: string;
  /** `openai.chat`, `anthropic.messages`, ... */
  route: string;
  requester: ApprovalRequester;
  model: string | null;
  estimatedCostUsd: number | null;
  decision: DecisionRecord;
  /** Milliseconds since the epoch. */
  createdAt: number;
  expiresAt: number;
  decidedAt?: number;
  /** `admin` for the bootstrap token, or the name the approver gave. */
  decidedBy?: string;
  /** The approver's reason (rejections), or why the system settled it (timeout, client gone). */
  resolutionReason?: string;
}

export type NewApproval = Omit<Approval, 'status' | 'decidedAt' | 'decidedBy' | 'resolutionReason'>;

export interface Settlement {
  status: Exclude<ApprovalStatus, 'pending'>;
  at: number;
  by?: string;
  reason?: string;
}

export type SettleResult = { ok: true; approval: Approval } | { ok: false; error: 'not_found' } | { ok: false; error: 'already_decided'; approval: Approval };

/**
 * Where approvals are kept. The in-memory queue is the default; the storage layer can
 * persist them behind the same port. Methods are async so a database adapter fits.
 */
export interface ApprovalQueue {
  add(approval: NewApproval): Promise<Approval>;
  get(id: string): Promise<Approval | undefined>;
  /** Newest first. */
  list(filter?: { status?: ApprovalStatus; limit?: number }): Promise<Approval[]>;
  /** Moves a pending approval to a final status; refuses unknown or already settled ones. */
  settle(id: string, settlement: Settlement): Promise<SettleResult>;
}
