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

/** Which approvals: `org` scopes to one tenant (without it, every org's: the embedded gateway's one admin token). */
export interface ApprovalFilter {
  org?: string;
  /** Only this team's (a team-admin). */
  team?: string;
  status?: ApprovalStatus;
  limit?: number;
}

/**
 * Where approvals are kept: in process memory (MemoryApprovalQueue), or in the Store
 * (StoreApprovalQueue), shared by every gateway process on that database. Methods are async
 * so a database fits. `org` scopes a lookup to one tenant; a queue may require it (the
 * store-backed one reads one org at a time).
 */
export interface ApprovalQueue {
  add(approval: NewApproval): Promise<Approval>;
  get(id: string, org?: string): Promise<Approval | undefined>;
  /** Newest first. */
  list(filter?: ApprovalFilter): Promise<Approval[]>;
  /** Moves a pending approval to a final status, atomically; refuses unknown or already settled ones. */
  settle(id: string, settlement: Settlement, org?: string): Promise<SettleResult>;
  /**
   * A queue shared by several processes reports here an approval added through it that
   * another process settled, so the process holding the call can release it. Called once.
   */
  onSettledElsewhere?(listener: (approval: Approval) => void): void;
  /** Stops following (timers, subscriptions). */
  close?(): Promise<void>;
}
