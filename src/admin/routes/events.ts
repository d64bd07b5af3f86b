// Events journaled by SDKs (`POST /api/v1/events`), evaluated at ingest against the org's
// seed-001 policies; what matches lands in the alerts feed (`GET /api/v1/violations`) and
// goes to the configured webhooks.
import { eventViolations, type IngestedEvent } from '../../policies-live/evaluate-event.js';
import type { NewLlmEvent } from '../../store/store.js';
import { badInput, notFound } from '../admin-error.js';
import { queryLimit, queryTime } from '../fields.js';
import { readJsonObject } from '../http-io.js';
import { type RouteDef, orgOf } from '../route.js';

const MAX_BATCH = 1000;
const EVENT_FIELDS = ['request_id', 'timestamp', 'model', 'input_tokens', 'output_tokens', 'cost_usd', 'environment', 'team', 'user', 'labels', 'prompt', 'prompt_redacted', 'key_prefix'];

function str(e: Record<string, unknown>, field: string, at: string, max = 200): string | null {
  const v = e[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > max) throw badInput(`${at}.${field}`, `${field} must be a string of at most ${max} characters`);
  return v;
}

function count(e: Record<string, unknown>, field: string, at: string): number {
  const v = e[field] ?? 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw badInput(`${at}.${field}`, `${field} must be an integer >= 0`);
  return v;
}

function parseEvent(raw: unknown, at: string, now: number): { event: NewLlmEvent; keyPrefix: string | null } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badInput(at, 'each event must be a JSON object');
  const e = raw as Record<string, unknown>;
  for (const key of Object.keys(e)) if (!EVENT_FIELDS.includes(key)) throw badInput(`${at}.${key}`, `unknown field ${key}`);
  const model = str(e, 'model', at);
  if (!model) throw badInput(`${at}.model`, 'model is required');
  const timestamp = str(e, 'timestamp', at, 64);
  if (timestamp !== null && Number.isNaN(Date.parse(timestamp))) throw badInput(`${at}.timestamp`, 'timestamp must be an ISO 8601 time');
  const cost = e.cost_usd;
  if (cost !== undefined && cost !== null && (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0)) throw badInput(`${at}.cost_usd`, 'cost_usd must be a number >= 0');
  const labels = e.labels;
  if (labels !== undefined && (typeof labels !== 'object' || labels === null || Array.isArray(labels) || Object.values(labels).some((v) => typeof v !== 'string'))) {
    throw badInput(`${at}.labels`, 'labels must be an object of string values');
  }
  const redacted = e.prompt_redacted;
  if (redacted !== undefined && typeof redacted !== 'boolean') throw badInput(`${at}.prompt_redacted`, 'prompt_redacted must be true or false');
  const event: NewLlmEvent = {
    request_id: str(e, 'request_id', at),
    timestamp: new Date(timestamp === null ? now : Date.parse(timestamp)).toISOString(),
    model,
    input_tokens: count(e, 'input_tokens', at),
    output_tokens: count(e, 'output_tokens', at),
    cost_usd: (cost as number | null | undefined) ?? null,
    environment: str(e, 'environment', at, 64),
    team: str(e, 'team', at),
    user: str(e, 'user', at),
    labels: (labels as Record<string, string> | undefined) ?? {},
    prompt: str(e, 'prompt', at, 100_000),
    prompt_redacted: redacted ?? false,
  };
  return { event, keyPrefix: str(e, 'key_prefix', at, 16) };
}

export const eventRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/api/v1/events',
    auth: { by: 'key-or-admin', access: 'write' },
    async handle(ctx) {
      const body = await readJsonObject(ctx.req);
      const raw = body.events;
      if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_BATCH) throw badInput('events', `events must be an array of 1 to ${MAX_BATCH} events`);
      const now = ctx.deps.now();
      const parsed = raw.map((e, i) => parseEvent(e, `events[${i}]`, now));
      const org = orgOf(ctx);
      // A virtual key names who sent the events; what it names wins over the payload.
      if (ctx.caller.kind === 'key') {
        const { tenant } = ctx.caller;
        for (const { event } of parsed) {
          event.key_id = tenant.keyId ?? null;
          if (tenant.team) event.team = tenant.team;
          if (tenant.user) event.user = tenant.user;
          if (tenant.environment && !event.environment) event.environment = tenant.environment;
        }
      }
      const stored = await ctx.deps.store.recordEvents(org, parsed.map((p) => p.event));
      const ingested: IngestedEvent[] = stored.map((e, i) => ({ id: e.id, request_id: e.request_id, model: e.model, cost_usd: e.cost_usd, environment: e.environment, prompt: e.prompt, key_prefix: parsed[i]?.keyPrefix ?? null }));
      const found = eventViolations(await ctx.deps.store.listOrgPolicies(org), ingested);
      const violations = [];
      for (const v of found) violations.push(await ctx.deps.store.recordViolation(org, v));
      void ctx.deps.violations.notify(violations);
      return { status: 202, body: { accepted: stored.length, ids: stored.map((e) => e.id), violations: violations.map((v) => ({ id: v.id, event_id: v.event_id, policy: v.policy, reason: v.reason })) } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/events',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const q = ctx.query;
      const since = queryTime(q, 'since');
      const until = queryTime(q, 'until');
      const limit = queryLimit(q);
      const page = await ctx.deps.store.listEvents(orgOf(ctx), {
        ...(q.get('model') ? { model: q.get('model') as string } : {}),
        ...(q.get('environment') ? { environment: q.get('environment') as string } : {}),
        ...(since ? { since } : {}),
        ...(until ? { until } : {}),
        ...(limit ? { limit } : {}),
        ...(q.get('cursor') ? { cursor: q.get('cursor') as string } : {}),
      });
      return { status: 200, body: { data: page.items, next_cursor: page.next_cursor } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/violations',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const q = ctx.query;
      const limit = queryLimit(q);
      const page = await ctx.deps.store.listViolations(orgOf(ctx), {
        ...(q.get('unacknowledged') === 'true' ? { unacknowledged_only: true } : {}),
        ...(limit ? { limit } : {}),
        ...(q.get('cursor') ? { cursor: q.get('cursor') as string } : {}),
      });
      return { status: 200, body: { data: page.items, next_cursor: page.next_cursor } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/violations/:id/acknowledge',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      ctx.req.resume();
      const v = await ctx.deps.store.acknowledgeViolation(orgOf(ctx), ctx.params.id as string);
      if (!v) throw notFound(`no violation ${ctx.params.id}`);
      return { status: 200, body: v };
    },
  },
];
