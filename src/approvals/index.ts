export { ApprovalGate, DEFAULT_APPROVAL_TIMEOUT_MS } from './approval-gate.js';
export type { ApprovalGateOptions, HoldInput } from './approval-gate.js';
export { approvalJson } from './approval-json.js';
export type { ApprovalJson } from './approval-json.js';
export { MemoryApprovalQueue } from './memory-approval-queue.js';
export { APPROVAL_STATUSES } from './types.js';
export type { Approval, ApprovalQueue, ApprovalRequester, ApprovalStatus, NewApproval, SettleResult, Settlement } from './types.js';
export { EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookNotifier, webhookSignature } from './webhooks.js';
export type { ApprovalEvent, WebhookConfig } from './webhooks.js';
