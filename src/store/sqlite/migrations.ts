// SQLite schema, one numbered step at a time. Times are ISO-8601 UTC text (normalized,
// so text order is time order); JSON is text; booleans are 0/1.
import type { Migration } from '../sql/migrate.js';

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tenants, credentials, policies, activity',
    statements: [
      `CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL)`,
      `CREATE TABLE teams (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        daily_budget_usd REAL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (org, id),
        UNIQUE (org, name)
      )`,
      `CREATE TABLE users (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        email TEXT,
        name TEXT,
        created_at TEXT NOT NULL,
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
        max_budget REAL,
        budget_duration TEXT,
        expires_at TEXT,
        revoked_at TEXT,
        created_at TEXT NOT NULL,
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
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        PRIMARY KEY (org, id),
        FOREIGN KEY (org, team_id) REFERENCES teams (org, id),
        CHECK (role <> 'team-admin' OR team_id IS NOT NULL)
      )`,
      `CREATE TABLE org_policies (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        policy_type TEXT NOT NULL CHECK (policy_type IN
          ('approved_models', 'banned_patterns', 'key_environment_check', 'approval_required_threshold_cents')),
        config TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (org, policy_type)
      )`,
      `CREATE TABLE policy_documents (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        author TEXT,
        rolled_back_from INTEGER,
        created_at TEXT NOT NULL,
        PRIMARY KEY (org, name, version)
      )`,
      // Data-plane tables take no foreign key to orgs: a journaled event must never be lost
      // because its org was configured in a file rather than created through the API.
      `CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        request_id TEXT,
        timestamp TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL,
        environment TEXT,
        team_id TEXT,
        user_id TEXT,
        key_id TEXT,
        labels TEXT NOT NULL,
        prompt TEXT,
        prompt_redacted INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (org, id)
      )`,
      `CREATE INDEX events_org_seq ON events (org, seq)`,
      `CREATE INDEX events_org_ts ON events (org, ts_ms)`,
      `CREATE TABLE violations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        event_id TEXT,
        request_id TEXT,
        policy TEXT NOT NULL,
        rule TEXT,
        severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL,
        acknowledged_at TEXT,
        UNIQUE (org, id)
      )`,
      `CREATE INDEX violations_org_seq ON violations (org, seq)`,
      `CREATE TABLE approvals (
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
        record TEXT NOT NULL,
        decided_by TEXT,
        expires_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (org, id)
      )`,
      `CREATE INDEX approvals_org_status ON approvals (org, status)`,
    ],
  },
  {
    version: 2,
    name: 'audit chain',
    statements: [
      `CREATE TABLE audit_records (
        org TEXT NOT NULL,
        seq INTEGER NOT NULL,
        request_id TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
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
      ) WITHOUT ROWID`,
      `CREATE INDEX audit_org_ts ON audit_records (org, ts_ms)`,
      `CREATE INDEX audit_org_key ON audit_records (org, key_id, seq)`,
      `CREATE INDEX audit_org_team ON audit_records (org, team_id, seq)`,
      `CREATE INDEX audit_org_user ON audit_records (org, user_id, seq)`,
      `CREATE TABLE audit_heads (org TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL)`,
      `CREATE TABLE audit_checkpoints (org TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, updated_at TEXT NOT NULL)`,
    ],
  },
];
