// Postgres schema, one numbered step at a time. The same tables and columns as the
// SQLite adapter, with native types: timestamptz, jsonb, boolean, bigint.
import type { Migration } from '../sql/migrate.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tenants, credentials, policies, activity',
    statements: [
      `CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)`,
      `CREATE TABLE teams (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        daily_budget_usd DOUBLE PRECISION,
        created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (org, id),
        UNIQUE (org, name)
      )`,
      `CREATE TABLE users (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        email TEXT,
        name TEXT,
        created_at TIMESTAMPTZ NOT NULL,
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
        max_budget DOUBLE PRECISION,
        budget_duration TEXT,
        expires_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL,
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
        created_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ,
        PRIMARY KEY (org, id),
        FOREIGN KEY (org, team_id) REFERENCES teams (org, id),
        CHECK (role <> 'team-admin' OR team_id IS NOT NULL)
      )`,
      `CREATE TABLE org_policies (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        policy_type TEXT NOT NULL CHECK (policy_type IN
          ('approved_models', 'banned_patterns', 'key_environment_check', 'approval_required_threshold_cents')),
        config JSONB NOT NULL,
        enabled BOOLEAN NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        UNIQUE (org, policy_type)
      )`,
      `CREATE TABLE policy_documents (
        org TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        document JSONB NOT NULL,
        author TEXT,
        rolled_back_from INTEGER,
        created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (org, name, version)
      )`,
      // Data-plane tables take no foreign key to orgs: a journaled event must never be lost
      // because its org was configured in a file rather than created through the API.
      `CREATE TABLE events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        request_id TEXT,
        timestamp TIMESTAMPTZ NOT NULL,
        ts_ms BIGINT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd DOUBLE PRECISION,
        environment TEXT,
        team_id TEXT,
        user_id TEXT,
        key_id TEXT,
        labels JSONB NOT NULL,
        prompt TEXT,
        prompt_redacted BOOLEAN NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        UNIQUE (org, id)
      )`,
      `CREATE INDEX events_org_seq ON events (org, seq)`,
      `CREATE INDEX events_org_ts ON events (org, ts_ms)`,
      `CREATE TABLE violations (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        event_id TEXT,
        request_id TEXT,
        policy TEXT NOT NULL,
        rule TEXT,
        severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
        reason TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        acknowledged_at TIMESTAMPTZ,
        UNIQUE (org, id)
      )`,
      `CREATE INDEX violations_org_seq ON violations (org, seq)`,
      `CREATE TABLE approvals (
        org TEXT NOT NULL,
        id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
        record JSONB NOT NULL,
        decided_by TEXT,
        expires_at TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (org, id)
      )`,
      `CREATE INDEX approvals_org_status ON approvals (org, status)`,
    ],
  },
  {
    version: 2,
    name: 'audit chain',
    statements: [
      // body is TEXT, not JSONB: the hash covers these exact bytes, and jsonb would re-serialize them.
      `CREATE TABLE audit_records (
        org TEXT NOT NULL,
        seq BIGINT NOT NULL,
        request_id TEXT NOT NULL,
        ts_ms BIGINT NOT NULL,
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
      )`,
      `CREATE INDEX audit_org_ts ON audit_records (org, ts_ms)`,
      `CREATE INDEX audit_org_key ON audit_records (org, key_id, seq)`,
      `CREATE INDEX audit_org_team ON audit_records (org, team_id, seq)`,
      `CREATE INDEX audit_org_user ON audit_records (org, user_id, seq)`,
      `CREATE TABLE audit_heads (org TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL)`,
      `CREATE TABLE audit_checkpoints (org TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL)`,
    ],
  },
];
