// Builds the audit entry of one decision from what the gateway or SDK knows after the
// call. The input is structural (CompletionRecord fits it), so audit does not depend on
// the gateway; the body is the shared decision record, which carries no prompt text.
import { decisionRecord } from '../engine/decision-record.js';
import type { Decision, Tenant } from '../engine/types.js';
import type { AuditEntry } from '../store/store.js';

export interface AuditedCall {
  decision: Decision;
  tenant?: Pick<Tenant, 'org' | 'team' | 'keyId'>;
  /** HTTP status sent to the client; absent for SDK calls. */
  status?: number;
  usage?: { inputTokens: number; outputTokens: number };
  costUsd?: number | null;
  durationMs?: number;
  /** What the client asked for, when the decision changed the model. */
  requestedModel?: string;
}

export interface AuditEntryOptions {
  /** Org for calls without a tenant (single-tenant SDK use). */
  defaultOrg?: string;
  source?: AuditEntry['source'];
}

export function auditEntry(call: AuditedCall, options: AuditEntryOptions = {}): AuditEntry {
  const org = call.tenant?.org ?? options.defaultOrg;
  if (org === undefined) throw new Error('an audit entry needs an org (a tenant or options.defaultOrg)');
  return {
    ...decisionRecord(call.decision, call.requestedModel),
    org,
    team: call.tenant?.team ?? null,
    key_id: call.tenant?.keyId ?? null,
    status: call.status ?? null,
    usage: call.usage ? { input_tokens: call.usage.inputTokens, output_tokens: call.usage.outputTokens } : null,
    cost_usd: call.costUsd ?? null,
    latency_ms: call.durationMs === undefined ? null : Math.round(call.durationMs * 1000) / 1000,
    source: options.source ?? (call.status === undefined ? 'sdk' : 'gateway'),
  };
}
