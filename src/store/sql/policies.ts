// Seed-001 org policies (one row per org and type, PUT replaces) and named policy
// documents (append-only versions; the current one is the highest).
import type { OrgPolicy, OrgPolicyType, PolicyDocumentVersion, Store } from '../store.js';
import { ORG_POLICY_TYPES } from '../store.js';
import { StoreInputError } from '../store-input-error.js';
import type { SqlContext } from './context.js';
import { nowIso } from './context.js';
import type { SqlExecutor, SqlRow } from './sql-database.js';
import { bool, json, jsonObject, num, numOrNull, str, strOrNull, time } from './values.js';

type PolicyMethods = Pick<
  Store,
  | 'listOrgPolicies'
  | 'getOrgPolicy'
  | 'upsertOrgPolicy'
  | 'savePolicyDocument'
  | 'getPolicyDocument'
  | 'listPolicyDocuments'
  | 'listPolicyDocumentVersions'
  | 'rollbackPolicyDocument'
>;

function toPolicy(row: SqlRow): OrgPolicy {
  return {
    id: num(row.id),
    org: str(row.org),
    policy_type: str(row.policy_type) as OrgPolicyType,
    config: jsonObject<Record<string, unknown>>(row.config),
    enabled: bool(row.enabled),
    updated_at: time(row.updated_at),
  };
}

function toVersion(row: SqlRow): PolicyDocumentVersion {
  return {
    org: str(row.org),
    name: str(row.name),
    version: num(row.version),
    document: json(row.document),
    author: strOrNull(row.author),
    rolled_back_from: numOrNull(row.rolled_back_from),
    created_at: time(row.created_at),
  };
}

function checkType(type: string): OrgPolicyType {
  if (!(ORG_POLICY_TYPES as readonly string[]).includes(type)) {
    throw new StoreInputError(`policy_type must be one of ${ORG_POLICY_TYPES.join(', ')}`);
  }
  return type as OrgPolicyType;
}

export function policyMethods(ctx: SqlContext): PolicyMethods {
  const { db } = ctx;

  /** Inserts the next version of `name`; the caller holds the document's lock. */
  async function insertVersion(
    tx: SqlExecutor,
    org: string,
    name: string,
    document: string,
    author: string | null,
    rolledBackFrom: number | null,
  ): Promise<PolicyDocumentVersion> {
    const latest = await tx.query('SELECT MAX(version) AS version FROM policy_documents WHERE org = $1 AND name = $2', [org, name]);
    const next = (numOrNull(latest[0]?.version) ?? 0) + 1;
    const rows = await tx.query(
      `INSERT INTO policy_documents (org, name, version, document, author, rolled_back_from, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [org, name, next, document, author, rolledBackFrom, nowIso(ctx)],
    );
    return toVersion(rows[0]!);
  }

  return {
    async listOrgPolicies(org) {
      return (await db.query('SELECT * FROM org_policies WHERE org = $1 ORDER BY id', [org])).map(toPolicy);
    },
    async getOrgPolicy(org, type) {
      const rows = await db.query('SELECT * FROM org_policies WHERE org = $1 AND policy_type = $2', [org, checkType(type)]);
      return rows[0] ? toPolicy(rows[0]) : null;
    },
    async upsertOrgPolicy(org, type, input) {
      const rows = await db.query(
        `INSERT INTO org_policies (org, policy_type, config, enabled, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org, policy_type) DO UPDATE SET config = excluded.config, enabled = excluded.enabled, updated_at = excluded.updated_at
         RETURNING *`,
        [org, checkType(type), JSON.stringify(input.config), input.enabled ?? true, nowIso(ctx)],
      );
      return toPolicy(rows[0]!);
    },

    async savePolicyDocument(org, name, document, author = null) {
      const text = JSON.stringify(document);
      if (text === undefined) throw new StoreInputError('a policy document must be JSON');
      return db.transaction(async (tx) => {
        await db.lockKey(tx, `policy_document:${org}:${name}`);
        return insertVersion(tx, org, name, text, author, null);
      });
    },
    async getPolicyDocument(org, name, version) {
      const rows =
        version === undefined
          ? await db.query('SELECT * FROM policy_documents WHERE org = $1 AND name = $2 ORDER BY version DESC LIMIT 1', [org, name])
          : await db.query('SELECT * FROM policy_documents WHERE org = $1 AND name = $2 AND version = $3', [org, name, version]);
      return rows[0] ? toVersion(rows[0]) : null;
    },
    async listPolicyDocuments(org) {
      const rows = await db.query(
        `SELECT d.* FROM policy_documents d
         JOIN (SELECT name, MAX(version) AS version FROM policy_documents WHERE org = $1 GROUP BY name) latest
           ON latest.name = d.name AND latest.version = d.version
         WHERE d.org = $1 ORDER BY d.name`,
        [org],
      );
      return rows.map(toVersion);
    },
    async listPolicyDocumentVersions(org, name) {
      const rows = await db.query('SELECT * FROM policy_documents WHERE org = $1 AND name = $2 ORDER BY version', [org, name]);
      return rows.map(toVersion);
    },
    async rollbackPolicyDocument(org, name, version, author = null) {
      return db.transaction(async (tx) => {
        await db.lockKey(tx, `policy_document:${org}:${name}`);
        const rows = await tx.query('SELECT document FROM policy_documents WHERE org = $1 AND name = $2 AND version = $3', [
          org,
          name,
          version,
        ]);
        if (!rows[0]) return null;
        // Postgres hands jsonb back parsed; re-serialize so both dialects copy the same text.
        const document = typeof rows[0].document === 'string' ? rows[0].document : JSON.stringify(rows[0].document);
        return insertVersion(tx, org, name, document, author, version);
      });
    },
  };
}
