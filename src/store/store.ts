// The storage port: what Warden persists and how it reads it back. Types only; the
// SQLite and Postgres adapters implement it and pass one contract suite
// (store.contract.ts). Rows use the snake_case of the admin API and the columns, so
// one shape travels from the database to the wire without a mapping layer per route.
//
// Tenant isolation: every tenant read or write takes `org` first and every statement
// filters on it. The only cross-tenant reads are the ones that *resolve* the org
// (`findKeyByHash`, `findAdminTokenByHash`) and the operator listings (`listOrgs`,
// `listAuditOrgs`).
import type { AuditAnchor, AuditChainRow, AuditEntry, AuditQuery, AuditRecord, AuditRetentionResult } from './audit-types.js';

/** ISO 8601 UTC time with milliseconds, e.g. `2026-05-12T14:08:32.000Z`. */
export type IsoTime = string;

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. `null` on the last page. */
  next_cursor: string | null;
}

export interface PageQuery {
  /** Default 100, at most 1000. */
  limit?: number;
  cursor?: string;
}

// ---- tenants -------------------------------------------------------------

export interface Org {
  id: string;
  name: string;
  created_at: IsoTime;
}

export interface NewOrg {
  id?: string;
  name: string;
}

export interface Team {
  org: string;
  id: string;
  name: string;
  /** Daily spend cap in USD; `null` = none. */
  daily_budget_usd: number | null;
  created_at: IsoTime;
}

export interface NewTeam {
  id?: string;
  name: string;
  daily_budget_usd?: number | null;
}

export type TeamPatch = Partial<Pick<Team, 'name' | 'daily_budget_usd'>>;

export interface User {
  org: string;
  id: string;
  email: string | null;
  name: string | null;
  created_at: IsoTime;
}

export interface NewUser {
  id?: string;
  email?: string | null;
  name?: string | null;
}

// ---- credentials ---------------------------------------------------------

/** A virtual key. Only the SHA-256 of the secret is stored, never the secret. */
export interface ApiKey {
  org: string;
  id: string;
  team: string | null;
  user: string | null;
  name: string;
  /** Lower-case hex SHA-256 of the secret. */
  key_sha256: string;
  /** The first characters of the secret, shown in listings (`wdn_live_ab12`). */
  key_prefix: string;
  environment: string | null;
  role: string | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  /** USD over `budget_duration` (or lifetime when that is null). */
  max_budget: number | null;
  /** LiteLLM style: `1d`, `30d`, `1mo`. */
  budget_duration: string | null;
  expires_at: IsoTime | null;
  revoked_at: IsoTime | null;
  created_at: IsoTime;
}

export interface NewApiKey {
  id?: string;
  team?: string | null;
  user?: string | null;
  name: string;
  key_sha256: string;
  key_prefix: string;
  environment?: string | null;
  role?: string | null;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  max_budget?: number | null;
  budget_duration?: string | null;
  expires_at?: IsoTime | null;
}

export type ApiKeyPatch = Partial<
  Pick<
    ApiKey,
    'name' | 'environment' | 'role' | 'rpm_limit' | 'tpm_limit' | 'max_budget' | 'budget_duration' | 'expires_at'
  >
>;

export interface KeyListFilter {
  team?: string;
  user?: string;
  /** Revoked keys are left out unless asked for. */
  include_revoked?: boolean;
}

export const ADMIN_ROLES = ['owner', 'admin', 'viewer', 'team-admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface AdminToken {
  org: string;
  id: string;
  name: string | null;
  token_sha256: string;
  role: AdminRole;
  /** Required for `team-admin`, the team it administers. */
  team: string | null;
  created_at: IsoTime;
  revoked_at: IsoTime | null;
}

export interface NewAdminToken {
  id?: string;
  name?: string | null;
  token_sha256: string;
  role: AdminRole;
  team?: string | null;
}

// ---- policies ------------------------------------------------------------

/** The four policy types of the seed Policies API (`PUT /api/v1/policies/{policy_type}`). */
export const ORG_POLICY_TYPES = [
  'approved_models',
  'banned_patterns',
  'key_environment_check',
  'approval_required_threshold_cents',
] as const;
export type OrgPolicyType = (typeof ORG_POLICY_TYPES)[number];

export interface OrgPolicy {
  id: number;
  org: string;
  policy_type: OrgPolicyType;
  /** Validated by the admin API against the type's schema; stored as given. */
  config: Record<string, unknown>;
  enabled: boolean;
  updated_at: IsoTime;
}

export interface OrgPolicyInput {
  config: Record<string, unknown>;
  /** Defaults to true, as in the seed. */
  enabled?: boolean;
}

/** One version of a named policy document. The current document is the highest version. */
export interface PolicyDocumentVersion {
  org: string;
  name: string;
  version: number;
  /** The seed 002 document as written (validated by the engine before it is saved). */
  document: unknown;
  author: string | null;
  /** Set when this version was made by rolling back to an older one. */
  rolled_back_from: number | null;
  created_at: IsoTime;
}

// ---- activity --------------------------------------------------------------

/** A call journaled by an SDK (or the gateway) for dashboards and detection-only policies. */
export interface LlmEvent {
  org: string;
  id: string;
  request_id: string | null;
  timestamp: IsoTime;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  environment: string | null;
  team: string | null;
  user: string | null;
  key_id: string | null;
  labels: Record<string, string>;
  /** Prompt text only when the sender chose to send it; `prompt_redacted` says it was redacted first. */
  prompt: string | null;
  prompt_redacted: boolean;
  created_at: IsoTime;
}

export interface NewLlmEvent {
  id?: string;
  request_id?: string | null;
  timestamp: IsoTime;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd?: number | null;
  environment?: string | null;
  team?: string | null;
  user?: string | null;
  key_id?: string | null;
  labels?: Record<string, string>;
  prompt?: string | null;
  prompt_redacted?: boolean;
}

export interface EventQuery extends PageQuery {
  model?: string;
  environment?: string;
  /** Inclusive. */
  since?: IsoTime;
  /** Exclusive. */
  until?: IsoTime;
}

export type ViolationSeverity = 'info' | 'warning' | 'critical';

/** An entry of the alerts feed: a policy matched an event or a request. */
export interface Violation {
  org: string;
  id: string;
  event_id: string | null;
  request_id: string | null;
  /** A seed policy type or a policy document name. */
  policy: string;
  rule: string | null;
  severity: ViolationSeverity;
  reason: string;
  created_at: IsoTime;
  acknowledged_at: IsoTime | null;
}

export interface NewViolation {
  id?: string;
  event_id?: string | null;
  request_id?: string | null;
  policy: string;
  rule?: string | null;
  severity?: ViolationSeverity;
  reason: string;
}

export interface ViolationQuery extends PageQuery {
  unacknowledged_only?: boolean;
}

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A request held for a human (the `escalate` action). */
export interface Approval {
  org: string;
  id: string;
  request_id: string;
  /** The requester's team, so a team-admin's listing is one query. */
  team: string | null;
  status: ApprovalStatus;
  /** The decision record and whatever the approver needs to see; never prompt text unless redacted. */
  record: unknown;
  decided_by: string | null;
  /** When it left `pending` (the decider's clock). */
  decided_at: IsoTime | null;
  /** The approver's reason, or why the system settled it (timeout, client gone). */
  reason: string | null;
  expires_at: IsoTime | null;
  created_at: IsoTime;
  updated_at: IsoTime;
}

export interface NewApproval {
  id?: string;
  request_id: string;
  team?: string | null;
  record: unknown;
  expires_at?: IsoTime | null;
}

export interface ApprovalDecision {
  status: Exclude<ApprovalStatus, 'pending'>;
  decided_by?: string | null;
  reason?: string | null;
  /** Default: the store's clock. */
  decided_at?: IsoTime;
}

export interface ApprovalQuery {
  status?: ApprovalStatus;
  team?: string;
  /** Only these approvals (a process following the ones it holds). */
  ids?: readonly string[];
  /** Default 100, at most 1000. */
  limit?: number;
}

// The audit trail's types live beside the port, in their own file.
export type { AuditAnchor, AuditChainRow, AuditEntry, AuditQuery, AuditRecord, AuditRetentionResult, ChainPoint } from './audit-types.js';

// ---- the port ----------------------------------------------------------------

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  close(): Promise<void>;

  createOrg(org: NewOrg): Promise<Org>;
  getOrg(id: string): Promise<Org | null>;
  /** Operator listing across tenants. */
  listOrgs(): Promise<Org[]>;

  createTeam(org: string, team: NewTeam): Promise<Team>;
  getTeam(org: string, id: string): Promise<Team | null>;
  listTeams(org: string): Promise<Team[]>;
  updateTeam(org: string, id: string, patch: TeamPatch): Promise<Team | null>;
  /** False when there was no such team; a conflict error while keys still point at it. */
  deleteTeam(org: string, id: string): Promise<boolean>;

  createUser(org: string, user: NewUser): Promise<User>;
  getUser(org: string, id: string): Promise<User | null>;
  listUsers(org: string): Promise<User[]>;
  deleteUser(org: string, id: string): Promise<boolean>;

  createKey(org: string, key: NewApiKey): Promise<ApiKey>;
  getKey(org: string, id: string): Promise<ApiKey | null>;
  listKeys(org: string, filter?: KeyListFilter): Promise<ApiKey[]>;
  updateKey(org: string, id: string, patch: ApiKeyPatch): Promise<ApiKey | null>;
  /** Idempotent: revoking a revoked key keeps the first `revoked_at`. */
  revokeKey(org: string, id: string): Promise<ApiKey | null>;
  /** Authentication: resolves the org. Returns revoked and expired keys too; see `keyStatus`. */
  findKeyByHash(keySha256: string): Promise<ApiKey | null>;

  createAdminToken(org: string, token: NewAdminToken): Promise<AdminToken>;
  listAdminTokens(org: string): Promise<AdminToken[]>;
  revokeAdminToken(org: string, id: string): Promise<AdminToken | null>;
  findAdminTokenByHash(tokenSha256: string): Promise<AdminToken | null>;

  listOrgPolicies(org: string): Promise<OrgPolicy[]>;
  getOrgPolicy(org: string, type: OrgPolicyType): Promise<OrgPolicy | null>;
  /** PUT semantics: creates or replaces config and enabled; the id stays. */
  upsertOrgPolicy(org: string, type: OrgPolicyType, input: OrgPolicyInput): Promise<OrgPolicy>;

  /** Saves a new version (1 for a new name). */
  savePolicyDocument(org: string, name: string, document: unknown, author?: string | null): Promise<PolicyDocumentVersion>;
  /** The current (latest) version, or the given one. */
  getPolicyDocument(org: string, name: string, version?: number): Promise<PolicyDocumentVersion | null>;
  /** The current version of every document, by name. */
  listPolicyDocuments(org: string): Promise<PolicyDocumentVersion[]>;
  /** Every version of one document, oldest first. */
  listPolicyDocumentVersions(org: string, name: string): Promise<PolicyDocumentVersion[]>;
  /** Makes a new version with the content of `version`; null when that version does not exist. */
  rollbackPolicyDocument(org: string, name: string, version: number, author?: string | null): Promise<PolicyDocumentVersion | null>;

  recordEvents(org: string, events: NewLlmEvent[]): Promise<LlmEvent[]>;
  listEvents(org: string, query?: EventQuery): Promise<Page<LlmEvent>>;

  recordViolation(org: string, violation: NewViolation): Promise<Violation>;
  listViolations(org: string, query?: ViolationQuery): Promise<Page<Violation>>;
  acknowledgeViolation(org: string, id: string): Promise<Violation | null>;

  createApproval(org: string, approval: NewApproval): Promise<Approval>;
  getApproval(org: string, id: string): Promise<Approval | null>;
  /** Newest first. */
  listApprovals(org: string, query?: ApprovalQuery): Promise<Approval[]>;
  /**
   * Compare-and-set from `pending`: null when missing or already decided, so two approvers
   * (or an approver and the timeout, in different processes) cannot both win.
   */
  decideApproval(org: string, id: string, decision: ApprovalDecision): Promise<Approval | null>;
  /**
   * Retention: removes the org's decided approvals (anything but `pending`) decided before
   * `time`, and answers how many. A pending approval is never removed, however old.
   */
  deleteApprovalsBefore(org: string, time: IsoTime): Promise<number>;

  /**
   * Appends entries (any mix of orgs) to their orgs' chains in one transaction: all or none.
   * `request_id` is unique per org. This is the durable path the AuditLog batches into.
   */
  appendAudit(entries: readonly AuditEntry[]): Promise<AuditRecord[]>;
  queryAudit(org: string, query?: AuditQuery): Promise<Page<AuditRecord>>;
  /** Raw rows in chain order after `afterSeq`, for verification. */
  readAuditChain(org: string, afterSeq: number, limit: number): Promise<AuditChainRow[]>;
  auditAnchor(org: string): Promise<AuditAnchor>;
  /** Orgs that have an audit chain. */
  listAuditOrgs(): Promise<string[]>;
  /**
   * Retention: removes the oldest records whose timestamp is before `before`, stopping at the
   * first record that is not, and moves the checkpoint to the last one removed.
   */
  deleteAuditBefore(org: string, before: IsoTime): Promise<AuditRetentionResult>;
}
