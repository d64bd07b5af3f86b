// Orgs, teams and users. Teams and users are keyed by (org, id), so a row of one org
// can never be named through another.
import type { NewOrg, NewTeam, NewUser, Org, Store, Team, TeamPatch, User } from '../store.js';
import type { SqlContext } from './context.js';
import { nowIso } from './context.js';
import type { SqlRow } from './sql-database.js';
import { newId, numOrNull, str, strOrNull, time } from './values.js';

type TenantMethods = Pick<
  Store,
  | 'createOrg'
  | 'getOrg'
  | 'listOrgs'
  | 'createTeam'
  | 'getTeam'
  | 'listTeams'
  | 'updateTeam'
  | 'deleteTeam'
  | 'createUser'
  | 'getUser'
  | 'listUsers'
  | 'deleteUser'
>;

function toOrg(row: SqlRow): Org {
  return { id: str(row.id), name: str(row.name), created_at: time(row.created_at) };
}

function toTeam(row: SqlRow): Team {
  return {
    org: str(row.org),
    id: str(row.id),
    name: str(row.name),
    daily_budget_usd: numOrNull(row.daily_budget_usd),
    created_at: time(row.created_at),
  };
}

function toUser(row: SqlRow): User {
  return {
    org: str(row.org),
    id: str(row.id),
    email: strOrNull(row.email),
    name: strOrNull(row.name),
    created_at: time(row.created_at),
  };
}

export function tenantMethods(ctx: SqlContext): TenantMethods {
  const { db } = ctx;
  return {
    async createOrg(org: NewOrg) {
      const rows = await db.query('INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3) RETURNING *', [
        org.id ?? newId('org'),
        org.name,
        nowIso(ctx),
      ]);
      return toOrg(rows[0]!);
    },
    async getOrg(id) {
      const rows = await db.query('SELECT * FROM orgs WHERE id = $1', [id]);
      return rows[0] ? toOrg(rows[0]) : null;
    },
    async listOrgs() {
      return (await db.query('SELECT * FROM orgs ORDER BY created_at, id')).map(toOrg);
    },

    async createTeam(org: string, team: NewTeam) {
      const rows = await db.query(
        'INSERT INTO teams (org, id, name, daily_budget_usd, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [org, team.id ?? newId('team'), team.name, team.daily_budget_usd ?? null, nowIso(ctx)],
      );
      return toTeam(rows[0]!);
    },
    async getTeam(org, id) {
      const rows = await db.query('SELECT * FROM teams WHERE org = $1 AND id = $2', [org, id]);
      return rows[0] ? toTeam(rows[0]) : null;
    },
    async listTeams(org) {
      return (await db.query('SELECT * FROM teams WHERE org = $1 ORDER BY name', [org])).map(toTeam);
    },
    async updateTeam(org: string, id: string, patch: TeamPatch) {
      const rows = await db.query(
        `UPDATE teams SET
           name = CASE WHEN $3 THEN $4 ELSE name END,
           daily_budget_usd = CASE WHEN $5 THEN $6 ELSE daily_budget_usd END
         WHERE org = $1 AND id = $2 RETURNING *`,
        [org, id, patch.name !== undefined, patch.name ?? null, 'daily_budget_usd' in patch, patch.daily_budget_usd ?? null],
      );
      return rows[0] ? toTeam(rows[0]) : null;
    },
    async deleteTeam(org, id) {
      return (await db.query('DELETE FROM teams WHERE org = $1 AND id = $2 RETURNING id', [org, id])).length > 0;
    },

    async createUser(org: string, user: NewUser) {
      const rows = await db.query(
        'INSERT INTO users (org, id, email, name, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [org, user.id ?? newId('user'), user.email ?? null, user.name ?? null, nowIso(ctx)],
      );
      return toUser(rows[0]!);
    },
    async getUser(org, id) {
      const rows = await db.query('SELECT * FROM users WHERE org = $1 AND id = $2', [org, id]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async listUsers(org) {
      return (await db.query('SELECT * FROM users WHERE org = $1 ORDER BY created_at, id', [org])).map(toUser);
    },
    async deleteUser(org, id) {
      return (await db.query('DELETE FROM users WHERE org = $1 AND id = $2 RETURNING id', [org, id])).length > 0;
    },
  };
}
