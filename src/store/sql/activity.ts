// What happens at run time besides the audit trail: SDK-journaled events, the alerts
// feed, and approvals waiting for a human. Lists page newest first on an internal
// insertion sequence, so cursors stay stable while rows are added.
import type {
  Approval,
  ApprovalStatus,
  EventQuery,
  LlmEvent,
  NewLlmEvent,
  Page,
  Store,
  Violation,
  ViolationQuery,
  ViolationSeverity,
} from '../store.js';
import { APPROVAL_STATUSES } from '../store.js';
import { StoreInputError } from '../store-input-error.js';
import type { SqlContext } from './context.js';
import { nowIso } from './context.js';
import type { SqlRow } from './sql-database.js';
import {
  bool,
  decodeCursor,
  encodeCursor,
  isoTime,
  json,
  jsonObject,
  newId,
  num,
  numOrNull,
  pageLimit,
  Params,
  str,
  strOrNull,
  time,
  timeMs,
  timeOrNull,
} from './values.js';

type ActivityMethods = Pick<
  Store,
  | 'recordEvents'
  | 'listEvents'
  | 'recordViolation'
  | 'listViolations'
  | 'acknowledgeViolation'
  | 'createApproval'
  | 'getApproval'
  | 'listApprovals'
  | 'decideApproval'
  | 'deleteApprovalsBefore'
>;

function toEvent(row: SqlRow): LlmEvent {
  return {
    org: str(row.org),
    id: str(row.id),
    request_id: strOrNull(row.request_id),
    timestamp: time(row.timestamp),
    model: str(row.model),
    input_tokens: num(row.input_tokens),
    output_tokens: num(row.output_tokens),
    cost_usd: numOrNull(row.cost_usd),
    environment: strOrNull(row.environment),
    team: strOrNull(row.team_id),
    user: strOrNull(row.user_id),
    key_id: strOrNull(row.key_id),
    labels: jsonObject<Record<string, string>>(row.labels),
    prompt: strOrNull(row.prompt),
    prompt_redacted: bool(row.prompt_redacted),
    created_at: time(row.created_at),
  };
}

function toViolation(row: SqlRow): Violation {
  return {
    org: str(row.org),
    id: str(row.id),
    event_id: strOrNull(row.event_id),
    request_id: strOrNull(row.request_id),
    policy: str(row.policy),
    rule: strOrNull(row.rule),
    severity: str(row.severity) as ViolationSeverity,
    reason: str(row.reason),
    created_at: time(row.created_at),
    acknowledged_at: timeOrNull(row.acknowledged_at),
  };
}

function toApproval(row: SqlRow): Approval {
  return {
    org: str(row.org),
    id: str(row.id),
    request_id: str(row.request_id),
    team: strOrNull(row.team_id),
    status: str(row.status) as ApprovalStatus,
    record: json(row.record),
    decided_by: strOrNull(row.decided_by),
    decided_at: timeOrNull(row.decided_at),
    reason: strOrNull(row.reason),
    expires_at: timeOrNull(row.expires_at),
    created_at: time(row.created_at),
    updated_at: time(row.updated_at),
  };
}

/** Runs a newest-first page query over `seq`; `where` already holds the org filter. */
function page<T>(rows: SqlRow[], limit: number, list: string, map: (row: SqlRow) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), next_cursor: more && last ? encodeCursor(list, num(last.seq)) : null };
}

export function activityMethods(ctx: SqlContext): ActivityMethods {
  const { db } = ctx;
  return {
    async recordEvents(org: string, events: NewLlmEvent[]) {
      const createdAt = nowIso(ctx);
      return db.transaction(async (tx) => {
        const out: LlmEvent[] = [];
        for (const e of events) {
          const rows = await tx.query(
            `INSERT INTO events (org, id, request_id, timestamp, ts_ms, model, input_tokens, output_tokens, cost_usd,
               environment, team_id, user_id, key_id, labels, prompt, prompt_redacted, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING *`,
            [
              org,
              e.id ?? newId('evt'),
              e.request_id ?? null,
              isoTime(e.timestamp, 'timestamp'),
              timeMs(e.timestamp, 'timestamp'),
              e.model,
              e.input_tokens,
              e.output_tokens,
              e.cost_usd ?? null,
              e.environment ?? null,
              e.team ?? null,
              e.user ?? null,
              e.key_id ?? null,
              JSON.stringify(e.labels ?? {}),
              e.prompt ?? null,
              e.prompt_redacted ?? false,
              createdAt,
            ],
          );
          out.push(toEvent(rows[0]!));
        }
        return out;
      });
    },
    async listEvents(org: string, query: EventQuery = {}) {
      const limit = pageLimit(query.limit);
      const p = new Params();
      const where = [`org = ${p.add(org)}`];
      if (query.model !== undefined) where.push(`model = ${p.add(query.model)}`);
      if (query.environment !== undefined) where.push(`environment = ${p.add(query.environment)}`);
      if (query.since !== undefined) where.push(`ts_ms >= ${p.add(timeMs(query.since, 'since'))}`);
      if (query.until !== undefined) where.push(`ts_ms < ${p.add(timeMs(query.until, 'until'))}`);
      if (query.cursor !== undefined) where.push(`seq < ${p.add(decodeCursor('events', query.cursor))}`);
      const rows = await db.query(
        `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ${p.add(limit + 1)}`,
        p.values,
      );
      return page(rows, limit, 'events', toEvent);
    },

    async recordViolation(org, v) {
      const rows = await db.query(
        `INSERT INTO violations (org, id, event_id, request_id, policy, rule, severity, reason, created_at, acknowledged_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL) RETURNING *`,
        [
          org,
          v.id ?? newId('vio'),
          v.event_id ?? null,
          v.request_id ?? null,
          v.policy,
          v.rule ?? null,
          v.severity ?? 'warning',
          v.reason,
          nowIso(ctx),
        ],
      );
      return toViolation(rows[0]!);
    },
    async listViolations(org: string, query: ViolationQuery = {}) {
      const limit = pageLimit(query.limit);
      const p = new Params();
      const where = [`org = ${p.add(org)}`];
      if (query.unacknowledged_only) where.push('acknowledged_at IS NULL');
      if (query.cursor !== undefined) where.push(`seq < ${p.add(decodeCursor('violations', query.cursor))}`);
      const rows = await db.query(
        `SELECT * FROM violations WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ${p.add(limit + 1)}`,
        p.values,
      );
      return page(rows, limit, 'violations', toViolation);
    },
    async acknowledgeViolation(org, id) {
      const rows = await db.query(
        'UPDATE violations SET acknowledged_at = COALESCE(acknowledged_at, $3) WHERE org = $1 AND id = $2 RETURNING *',
        [org, id, nowIso(ctx)],
      );
      return rows[0] ? toViolation(rows[0]) : null;
    },

    async createApproval(org, a) {
      const now = nowIso(ctx);
      const rows = await db.query(
        `INSERT INTO approvals (org, id, request_id, team_id, status, record, decided_by, decided_at, reason, expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'pending', $5, NULL, NULL, NULL, $6, $7, $7) RETURNING *`,
        [org, a.id ?? newId('apr'), a.request_id, a.team ?? null, JSON.stringify(a.record ?? null), a.expires_at ? isoTime(a.expires_at, 'expires_at') : null, now],
      );
      return toApproval(rows[0]!);
    },
    async getApproval(org, id) {
      const rows = await db.query('SELECT * FROM approvals WHERE org = $1 AND id = $2', [org, id]);
      return rows[0] ? toApproval(rows[0]) : null;
    },
    async listApprovals(org, query = {}) {
      const p = new Params();
      const where = [`org = ${p.add(org)}`];
      if (query.status !== undefined) where.push(`status = ${p.add(query.status)}`);
      if (query.team !== undefined) where.push(`team_id = ${p.add(query.team)}`);
      if (query.ids !== undefined) {
        if (!query.ids.length) return [];
        where.push(`id IN (${query.ids.map((id) => p.add(id)).join(', ')})`);
      }
      const rows = await db.query(`SELECT * FROM approvals WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ${p.add(pageLimit(query.limit))}`, p.values);
      return rows.map(toApproval);
    },
    async decideApproval(org, id, decision) {
      if (decision.status === ('pending' as string) || !(APPROVAL_STATUSES as readonly string[]).includes(decision.status)) {
        throw new StoreInputError('an approval is decided as approved, rejected, expired or cancelled');
      }
      const now = nowIso(ctx);
      const rows = await db.query(
        `UPDATE approvals SET status = $3, decided_by = $4, decided_at = $5, reason = $6, updated_at = $7
         WHERE org = $1 AND id = $2 AND status = 'pending' RETURNING *`,
        [org, id, decision.status, decision.decided_by ?? null, decision.decided_at !== undefined ? isoTime(decision.decided_at, 'decided_at') : now, decision.reason ?? null, now],
      );
      return rows[0] ? toApproval(rows[0]) : null;
    },
    async deleteApprovalsBefore(org, time) {
      return db.execute("DELETE FROM approvals WHERE org = $1 AND status <> 'pending' AND decided_at < $2", [org, isoTime(time, 'time')]);
    },
  };
}
