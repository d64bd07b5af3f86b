// Virtual keys and admin tokens: only their SHA-256 is stored. Lookup by hash is the one
// read that does not take an org, because it is how the org is found.
import { ADMIN_ROLES } from '../store.js';
import type { AdminRole, AdminToken, ApiKey, ApiKeyPatch, KeyListFilter, NewAdminToken, NewApiKey, Store } from '../store.js';
import { StoreInputError } from '../store-input-error.js';
import type { SqlContext } from './context.js';
import { nowIso } from './context.js';
import type { SqlRow, SqlValue } from './sql-database.js';
import { isoTime, newId, numOrNull, Params, sha256Hex, str, strOrNull, time, timeOrNull } from './values.js';

type CredentialMethods = Pick<
  Store,
  | 'createKey'
  | 'getKey'
  | 'listKeys'
  | 'updateKey'
  | 'revokeKey'
  | 'findKeyByHash'
  | 'createAdminToken'
  | 'listAdminTokens'
  | 'revokeAdminToken'
  | 'findAdminTokenByHash'
>;

function toKey(row: SqlRow): ApiKey {
  return {
    org: str(row.org),
    id: str(row.id),
    team: strOrNull(row.team_id),
    user: strOrNull(row.user_id),
    name: str(row.name),
    key_sha256: str(row.key_sha256),
    key_prefix: str(row.key_prefix),
    environment: strOrNull(row.environment),
    role: strOrNull(row.role),
    rpm_limit: numOrNull(row.rpm_limit),
    tpm_limit: numOrNull(row.tpm_limit),
    max_budget: numOrNull(row.max_budget),
    budget_duration: strOrNull(row.budget_duration),
    expires_at: timeOrNull(row.expires_at),
    revoked_at: timeOrNull(row.revoked_at),
    created_at: time(row.created_at),
  };
}

function toAdminToken(row: SqlRow): AdminToken {
  return {
    org: str(row.org),
    id: str(row.id),
    name: strOrNull(row.name),
    token_sha256: str(row.token_sha256),
    role: str(row.role) as AdminRole,
    team: strOrNull(row.team_id),
    created_at: time(row.created_at),
    revoked_at: timeOrNull(row.revoked_at),
  };
}

/** Columns `updateKey` may change, with how a patch value is stored. */
const KEY_PATCH_COLUMNS: Record<keyof ApiKeyPatch, (value: unknown) => SqlValue> = {
  name: (v) => String(v),
  environment: (v) => (v === null ? null : String(v)),
  role: (v) => (v === null ? null : String(v)),
  rpm_limit: (v) => (v === null ? null : Number(v)),
  tpm_limit: (v) => (v === null ? null : Number(v)),
  max_budget: (v) => (v === null ? null : Number(v)),
  budget_duration: (v) => (v === null ? null : String(v)),
  expires_at: (v) => (v === null ? null : isoTime(String(v), 'expires_at')),
};

export function credentialMethods(ctx: SqlContext): CredentialMethods {
  const { db } = ctx;
  const getKey = async (org: string, id: string): Promise<ApiKey | null> => {
    const rows = await db.query('SELECT * FROM api_keys WHERE org = $1 AND id = $2', [org, id]);
    return rows[0] ? toKey(rows[0]) : null;
  };
  return {
    async createKey(org: string, key: NewApiKey) {
      const rows = await db.query(
        `INSERT INTO api_keys (org, id, team_id, user_id, name, key_sha256, key_prefix, environment, role,
           rpm_limit, tpm_limit, max_budget, budget_duration, expires_at, revoked_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15) RETURNING *`,
        [
          org,
          key.id ?? newId('key'),
          key.team ?? null,
          key.user ?? null,
          key.name,
          sha256Hex(key.key_sha256, 'key_sha256'),
          key.key_prefix,
          key.environment ?? null,
          key.role ?? null,
          key.rpm_limit ?? null,
          key.tpm_limit ?? null,
          key.max_budget ?? null,
          key.budget_duration ?? null,
          key.expires_at ? isoTime(key.expires_at, 'expires_at') : null,
          nowIso(ctx),
        ],
      );
      return toKey(rows[0]!);
    },
    getKey,
    async listKeys(org: string, filter: KeyListFilter = {}) {
      const p = new Params();
      const where = [`org = ${p.add(org)}`];
      if (filter.team !== undefined) where.push(`team_id = ${p.add(filter.team)}`);
      if (filter.user !== undefined) where.push(`user_id = ${p.add(filter.user)}`);
      if (!filter.include_revoked) where.push('revoked_at IS NULL');
      const rows = await db.query(`SELECT * FROM api_keys WHERE ${where.join(' AND ')} ORDER BY created_at, id`, p.values);
      return rows.map(toKey);
    },
    async updateKey(org: string, id: string, patch: ApiKeyPatch) {
      const p = new Params();
      const sets: string[] = [];
      for (const [field, convert] of Object.entries(KEY_PATCH_COLUMNS) as [keyof ApiKeyPatch, (v: unknown) => SqlValue][]) {
        if (!(field in patch) || patch[field] === undefined) continue;
        sets.push(`${field} = ${p.add(convert(patch[field]))}`);
      }
      if (sets.length === 0) return getKey(org, id);
      const rows = await db.query(
        `UPDATE api_keys SET ${sets.join(', ')} WHERE org = ${p.add(org)} AND id = ${p.add(id)} RETURNING *`,
        p.values,
      );
      return rows[0] ? toKey(rows[0]) : null;
    },
    async revokeKey(org, id) {
      const rows = await db.query(
        'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE org = $1 AND id = $2 RETURNING *',
        [org, id, nowIso(ctx)],
      );
      return rows[0] ? toKey(rows[0]) : null;
    },
    async findKeyByHash(keySha256) {
      const rows = await db.query('SELECT * FROM api_keys WHERE key_sha256 = $1', [keySha256]);
      return rows[0] ? toKey(rows[0]) : null;
    },

    async createAdminToken(org: string, token: NewAdminToken) {
      if (!(ADMIN_ROLES as readonly string[]).includes(token.role)) throw new StoreInputError(`unknown admin role ${token.role}`);
      if (token.role === 'team-admin' && !token.team) throw new StoreInputError('a team-admin token needs a team');
      const rows = await db.query(
        `INSERT INTO admin_tokens (org, id, name, token_sha256, role, team_id, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) RETURNING *`,
        [
          org,
          token.id ?? newId('adm'),
          token.name ?? null,
          sha256Hex(token.token_sha256, 'token_sha256'),
          token.role,
          token.team ?? null,
          nowIso(ctx),
        ],
      );
      return toAdminToken(rows[0]!);
    },
    async listAdminTokens(org) {
      return (await db.query('SELECT * FROM admin_tokens WHERE org = $1 ORDER BY created_at, id', [org])).map(toAdminToken);
    },
    async revokeAdminToken(org, id) {
      const rows = await db.query(
        'UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE org = $1 AND id = $2 RETURNING *',
        [org, id, nowIso(ctx)],
      );
      return rows[0] ? toAdminToken(rows[0]) : null;
    },
    async findAdminTokenByHash(tokenSha256) {
      const rows = await db.query('SELECT * FROM admin_tokens WHERE token_sha256 = $1', [tokenSha256]);
      return rows[0] ? toAdminToken(rows[0]) : null;
    },
  };
}
