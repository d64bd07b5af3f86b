// The audit trail as the store keeps it: one entry per decision, chained by hash.
import type { DecisionRecord } from '../engine/decision-record.js';
import type { IsoTime, PageQuery } from './store.js';

/**
 * One decision as the audit trail keeps it: the decision record (seed 002 fields plus
 * revision, outcomes, estimate) and what happened to the call. Carries no prompt text.
 */
export interface AuditEntry extends DecisionRecord {
  org: string;
  team: string | null;
  key_id: string | null;
  /** HTTP status sent to the client; `null` when the SDK made the call. */
  status: number | null;
  /** Actual usage as the provider reported it; `null` when the call never reached it. */
  usage: { input_tokens: number; output_tokens: number } | null;
  /** Actual cost in USD; `null` when unknown or not called. */
  cost_usd: number | null;
  /** Wall time of the whole call in ms. */
  latency_ms: number | null;
  source: 'gateway' | 'sdk';
}

/** An entry once it is on the chain. */
export interface AuditRecord extends AuditEntry {
  /** Position on the org's chain, from 1, without gaps. */
  seq: number;
  prev_hash: string;
  /** `sha256(prev_hash + body)`, hex. */
  hash: string;
}

/** A stored row exactly as written, for verification: `body` is the hashed text. */
export interface AuditChainRow {
  org: string;
  seq: number;
  request_id: string;
  decision: string;
  body: string;
  prev_hash: string;
  hash: string;
}

export interface ChainPoint {
  seq: number;
  hash: string;
}

export interface AuditAnchor {
  /** Where verification starts: the last record removed by retention, or null (genesis). */
  checkpoint: ChainPoint | null;
  /** The last record appended, or null when the org has none. */
  head: ChainPoint | null;
}

export interface AuditQuery extends PageQuery {
  request_id?: string;
  key_id?: string;
  team?: string;
  user?: string;
  /** The model used (after any downgrade). */
  model?: string;
  decision?: DecisionRecord['decision'];
  /** Inclusive, on the decision's timestamp. */
  since?: IsoTime;
  /** Exclusive. */
  until?: IsoTime;
  /** Default `desc` (newest first). */
  order?: 'asc' | 'desc';
}

export interface AuditRetentionResult {
  deleted: number;
  /** The checkpoint verification now starts from. */
  checkpoint: ChainPoint | null;
}

