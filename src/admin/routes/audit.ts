// The audit trail: query with filters and cursor pagination, export as JSONL or CSV, and
// verify the org's hash chain. A team-admin reads only its team's records.
import { exportAuditCsv, exportAuditJsonl } from '../../audit/export.js';
import { verifyChain } from '../../audit/verify.js';
import type { AuditQuery } from '../../store/store.js';
import { badInput } from '../admin-error.js';
import { queryLimit, queryTime } from '../fields.js';
import { type RouteContext, type RouteDef, orgOf, principalOf } from '../route.js';

const DECISIONS = ['allow', 'block', 'modify', 'throttle', 'escalate'] as const;

function auditQuery(ctx: RouteContext, paged: boolean): AuditQuery {
  const q = ctx.query;
  const principal = principalOf(ctx);
  const query: AuditQuery = {};
  const text = (name: string, field: 'request_id' | 'key_id' | 'team' | 'user' | 'model') => {
    const value = q.get(name);
    if (value !== null) {
      if (!value || value.length > 200) throw badInput(name, `${name} must be 1-200 characters`);
      query[field] = value;
    }
  };
  text('request_id', 'request_id');
  text('key', 'key_id');
  text('key_id', 'key_id');
  text('team', 'team');
  text('user', 'user');
  text('model', 'model');
  const decision = q.get('decision');
  if (decision !== null) {
    if (!DECISIONS.includes(decision as (typeof DECISIONS)[number])) throw badInput('decision', `decision must be one of ${DECISIONS.join(', ')}`);
    query.decision = decision as (typeof DECISIONS)[number];
  }
  const since = queryTime(q, 'since');
  const until = queryTime(q, 'until');
  if (since) query.since = since;
  if (until) query.until = until;
  const order = q.get('order');
  if (order !== null) {
    if (order !== 'asc' && order !== 'desc') throw badInput('order', 'order must be asc or desc');
    query.order = order;
  }
  if (paged) {
    const limit = queryLimit(q);
    if (limit) query.limit = limit;
    const cursor = q.get('cursor');
    if (cursor) query.cursor = cursor;
  }
  if (principal.role === 'team-admin') {
    if (query.team && query.team !== principal.team) throw badInput('team', `a team-admin reads only team ${principal.team}`);
    query.team = principal.team as string;
  }
  return query;
}

export const auditRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/api/v1/audit',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      const page = await ctx.deps.store.queryAudit(orgOf(ctx), auditQuery(ctx, true));
      return { status: 200, body: { data: page.items, next_cursor: page.next_cursor } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/export',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      const format = ctx.query.get('format') ?? 'jsonl';
      if (format !== 'jsonl' && format !== 'csv') throw badInput('format', 'format must be jsonl or csv');
      const query = auditQuery(ctx, false);
      const org = orgOf(ctx);
      const chunks = format === 'csv' ? exportAuditCsv(ctx.deps.store, org, query) : exportAuditJsonl(ctx.deps.store, org, query);
      // Read the first chunk before the headers go out, so a bad query still answers 400.
      const iterator = chunks[Symbol.asyncIterator]();
      const first = await iterator.next();
      const { res } = ctx;
      res.writeHead(200, {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="audit-${org}.${format}"`,
      });
      if (!first.done) res.write(first.value);
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (!res.write(next.value)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
      return undefined;
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/verify',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      return { status: 200, body: await verifyChain(ctx.deps.store, orgOf(ctx)) };
    },
  },
];
