// The schema, one numbered step at a time, written once for both adapters: only the
// column types differ (SQLite keeps times as normalized ISO-8601 text, so text order is
// time order; JSON as text; booleans as 0/1).
import type { Migration } from './migrate.js';

export interface SqlTypes {
  time: string;
  real: string;
  json: string;
  bool: string;
  bigint: string;
  /** An auto-incrementing integer primary key. */
  serialKey: string;
  /** Appended to tables whose rows are always read by their primary key (the audit chain). */
  clusteredTable: string;
}

export const POSTGRES_TYPES: SqlTypes = {
  time: 'TIMESTAMPTZ',
  real: 'DOUBLE PRECISION',
  json: 'JSONB',
  bool: 'BOOLEAN',
  bigint: 'BIGINT',
  serialKey: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
  clusteredTable: '',
};

export const SQLITE_TYPES: SqlTypes = {
  time: 'TEXT',
  real: 'REAL',
  json: 'TEXT',
  bool: 'INTEGER',
  bigint: 'INTEGER',
  serialKey: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  clusteredTable: ' WITHOUT ROWID',
};

export function schemaMigrations(t: SqlTypes): readonly Migration[] {
  return [
  {
    version: 1,
    name: 'tenants, credentials, policies, activity',
    statements: [
      `CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at ${t.time} NOT NULL)`,
      `CREATE TABLE teams (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        daily_budget_usd ${t.real},
        created_at ${t.time} NOT NULL,
        PRIMARY KEY (org, id),
        UNIQUE (org, name)
      )`,
      `CREATE TABLE users (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        email TEXT,
        name TEXT,
        created_at ${t.time} NOT NULL,
        PRIMARY KEY (org, id),
        UNIQUE (org, email)
      )`,
      // (org, team_id) and (org, user_id) reference rows of the same org only: a key cannot point across tenants.
      `CREATE TABLE api_keys (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        team_id TEXT,
        user_id TEXT,
        name TEXT NOT NULL,
        key_sha256 TEXT NOT NULL UNIQUE CHECK (length(key_sha256) = 64),
        key_prefix TEXT NOT NULL,
        environment TEXT,
        role TEXT,
        rpm_limit INTEGER,
        tpm_limit INTEGER,
        max_budget ${t.real},
        budget_duration TEXT,
        expires_at ${t.time},
        revoked_at ${t.time},
        created_at ${t.time} NOT NULL,
        PRIMARY KEY (org, id),
        FOREIGN KEY (org, team_id) REFERENCES teams (org, id),
        FOREIGN KEY (org, user_id) REFERENCES users (org, id)
      )`,
      `CREATE TABLE admin_tokens (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT,
        token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
        role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer', 'team-admin')),
        team_id TEXT,
        created_at ${t.time} NOT NULL,
        revoked_at ${t.time},
        PRIMARY KEY (org, id),
        FOREIGN KEY (org, team_id) REFERENCES teams (org, id),
        CHECK (role <> 'team-admin' OR team_id IS NOT NULL)
      )`,
      `CREATE TABLE org_policies (
        id ${t.serialKey},
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        policy_type TEXT NOT NULL CHECK (policy_type IN
          ('approved_models', 'banned_patterns', 'key_environment_check', 'approval_required_threshold_cents')),
        config ${t.json} NOT NULL,
        enabled ${t.bool} NOT NULL,
        updated_at ${t.time} NOT NULL,
        UNIQUE (org, policy_type)
      )`,
      `CREATE TABLE policy_documents (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        document ${t.json} NOT NULL,
        author TEXT,
        rolled_back_from INTEGER,
        created_at ${t.time} NOT NULL,
        PRIMARY KEY (org, name, version)
      )`,
      // Data-plane tables take no foreign key to orgs: a journaled event must never be lost
      // because its org was configured in a file rather than created through the API.
      `CREATE TABLE events (
        seq ${t.serialKey},
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        request_id TEXT,
        timestamp ${t.time} NOT NULL,
        ts_ms ${t.bigint} NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd ${t.real},
        environment TEXT,
        team_id TEXT,
        user_id TEXT,
        key_id TEXT,
        labels ${t.json} NOT NULL,
        prompt TEXT,
        prompt_redacted ${t.bool} NOT NULL,
        created_at ${t.time} NOT NULL,
        UNIQUE (org, id)
      )`,
      `CREATE INDEX events_org_seq ON events (org, seq)`,
      `CREATE INDEX events_org_ts ON events (org, ts_ms)`,
      `CREATE TABLE violations (
        seq ${t.serialKey},
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        event_id TEXT,
        request_id TEXT,
        policy TEXT NOT NULL,
        rule TEXT,
        severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        reason TEXT NOT NULL,
        created_at ${t.time} NOT NULL,
        acknowledged_at ${t.time},
        UNIQUE (org, id)
      )`,
      `CREATE INDEX violations_org_seq ON violations (org, seq)`,
      `CREATE TABLE approvals (
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
        record ${t.json} NOT NULL,
        decided_by TEXT,
        expires_at ${t.time},
        created_at ${t.time} NOT NULL,
        updated_at ${t.time} NOT NULL,
        PRIMARY KEY (org, id)
      )`,
      `CREATE INDEX approvals_org_status ON approvals (org, status)`,
    ],
  },
  {
    version: 2,
    name: 'audit chain',
    statements: [
      // body is TEXT, not ${t.json}: the hash covers these exact bytes, and jsonb would re-serialize them.
      `CREATE TABLE audit_records (
        org TEXT NOT NULL,
        seq ${t.bigint} NOT NULL,
        request_id TEXT NOT NULL,
        ts_ms ${t.bigint} NOT NULL,
        decision TEXT NOT NULL,
        key_id TEXT,
        team_id TEXT,
        user_id TEXT,
        model TEXT,
        body TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (org, seq),
        UNIQUE (org, request_id)
      )${t.clusteredTable}`,
      `CREATE INDEX audit_org_ts ON audit_records (org, ts_ms)`,
      `CREATE INDEX audit_org_key ON audit_records (org, key_id, seq)`,
      `CREATE INDEX audit_org_team ON audit_records (org, team_id, seq)`,
      `CREATE INDEX audit_org_user ON audit_records (org, user_id, seq)`,
      `CREATE TABLE audit_heads (org TEXT PRIMARY KEY, seq ${t.bigint} NOT NULL, hash TEXT NOT NULL)`,
      `CREATE TABLE audit_checkpoints (org TEXT PRIMARY KEY, seq ${t.bigint} NOT NULL, hash TEXT NOT NULL, updated_at ${t.time} NOT NULL)`,
    ],
  },
  {
    version: 3,
    name: 'approvals shared by gateway instances',
    // Rebuilt rather than altered (SQLite cannot change a CHECK): the `cancelled` status,
    // the decision's time and reason, the requester's team (team-admins list their own),
    // and an insertion sequence for newest-first listings. Existing rows are kept.
    statements: [
      `CREATE TABLE approvals_v3 (
        seq ${t.serialKey},
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        team_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
        record ${t.json} NOT NULL,
        decided_by TEXT,
        decided_at ${t.time},
        reason TEXT,
        expires_at ${t.time},
        created_at ${t.time} NOT NULL,
        updated_at ${t.time} NOT NULL,
        UNIQUE (org, id)
      )`,
      `INSERT INTO approvals_v3 (org, id, request_id, status, record, decided_by, decided_at, expires_at, created_at, updated_at)
        SELECT org, id, request_id, status, record, decided_by, CASE WHEN status = 'pending' THEN NULL ELSE updated_at END, expires_at, created_at, updated_at
        FROM approvals ORDER BY created_at, id`,
      `DROP TABLE approvals`,
      `ALTER TABLE approvals_v3 RENAME TO approvals`,
      `CREATE INDEX approvals_org_status ON approvals (org, status, seq)`,
    ],
  },
];
}
