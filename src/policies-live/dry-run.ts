// A dry run replays the decisions of the last N days (the audit trail) through a candidate
// policy set and reports what it would have done differently. The audit trail keeps what
// a decision saw about the call (tenant, model, token counts, cost), never prompt text, so
// a dry run judges access, cost, token and limit rules faithfully and cannot judge content
// rules (PII, secrets, patterns, injection): they see a neutral filler prompt of the right
// length. Counter rules (rate limits, budgets) are replayed against in-memory counters
// filled in timestamp order, settled to each call's actual cost and tokens.
import { iterateAudit } from '../audit/export.js';
import type { PolicySet } from '../engine/policy-set.js';
import type { CounterClaim, Decision, LlmRequest, Tenant } from '../engine/types.js';
import type { AuditRecord, Store } from '../store/store.js';

export interface DryRunInput {
  store: Pick<Store, 'queryAudit'>;
  org: string;
  set: PolicySet;
  days: number;
  /** Most records replayed (the newest `limit` of the window are kept when there are more). */
  limit: number;
  now: number;
}

export interface DryRunChange {
  request_id: string;
  timestamp: string;
  model: string | null;
  recorded: string;
  would: string;
  policy: string | null;
  rule: string | null;
  reason: string;
}

export interface DryRunReport {
  window: { since: string; until: string; days: number };
  records: number;
  truncated: boolean;
  /** How the candidate set would have decided every replayed call. */
  would: Record<'allow' | 'block' | 'throttle' | 'modify' | 'escalate', number>;
  /** Calls whose outcome would differ from the recorded decision. */
  changed: number;
  /** Calls that were let through and would now be refused (block, throttle, escalate). */
  newly_refused: number;
  /** Calls that were refused and would now go through. */
  newly_allowed: number;
  /** Up to 100 of the changed calls, newest first. */
  examples: DryRunChange[];
  limitations: string[];
}

const MAX_EXAMPLES = 100;
const REFUSED = new Set(['block', 'throttle', 'escalate']);
/** Longest filler prompt; longer calls are judged by a prompt of this size and their recorded token count. */
const MAX_FILLER_TOKENS = 32_000;

export const DRY_RUN_LIMITATIONS = [
  'the audit trail holds no prompt text: content rules (pii, secrets, content_filter, prompt_injection, encoding, exfiltration) are judged on a neutral filler prompt and cannot match',
  'rate limits and budgets are replayed from the window alone: spend and requests from before the window are not counted',
  'requests refused before a decision (bad key, bad body) are not in the audit trail and are not replayed',
];

function providerOf(model: string | null): string {
  return model && /^claude/i.test(model) ? 'anthropic' : 'openai';
}

function requestOf(record: AuditRecord): LlmRequest {
  const model = record.model.requested ?? record.model.used ?? undefined;
  const tokens = Math.min(record.usage?.input_tokens ?? record.estimate.input_tokens, MAX_FILLER_TOKENS);
  const request: LlmRequest = {
    requestId: record.request_id,
    provider: providerOf(model ?? null),
    endpoint: 'chat',
    messages: [{ role: 'user', content: ' a'.repeat(Math.max(0, tokens)) }],
    maxOutputTokens: record.estimate.max_output_tokens,
    stream: false,
    labels: {},
  };
  if (model !== undefined) request.model = model;
  return request;
}

function tenantOf(record: AuditRecord): Tenant {
  const tenant: Tenant = { org: record.org };
  if (record.team) tenant.team = record.team;
  if (record.key_id) tenant.keyId = record.key_id;
  if (record.user) tenant.user = record.user;
  if (record.environment) tenant.environment = record.environment;
  return tenant;
}

function bucket(claim: CounterClaim, at: number): string {
  const day = new Date(at).toISOString();
  switch (claim.window) {
    case 'day':
      return day.slice(0, 10);
    case 'month':
      return day.slice(0, 7);
    case 'sliding':
      return String(Math.floor(at / 1000 / Math.max(1, claim.windowSeconds ?? 60)));
    default:
      return '';
  }
}

/** What the call actually used of a claim's metric, for settling after it went through. */
function actual(claim: CounterClaim, record: AuditRecord): number {
  if (claim.metric === 'usd') return record.cost_usd ?? claim.amount;
  if (claim.metric === 'tokens') return record.usage ? record.usage.input_tokens + record.usage.output_tokens : claim.amount;
  return claim.amount;
}

/** Reserves every claim or none, like the counter store; a refused claim turns into a throttle. */
function applyClaims(decision: Decision, record: AuditRecord, at: number, counters: Map<string, number>): Decision {
  if (decision.action !== 'allow' && decision.action !== 'modify') return decision;
  const keyed = decision.claims
    .filter((c) => c.kind !== 'forecast' && c.metric !== 'concurrent' && c.metric !== 'dedup')
    .map((c) => ({ claim: c, key: `${c.scope}\u0000${c.metric}\u0000${c.window}\u0000${bucket(c, at)}\u0000${c.limit}` }));
  for (const { claim, key } of keyed) {
    if ((counters.get(key) ?? 0) + claim.amount > claim.limit) {
      return { ...decision, action: 'throttle', policy: claim.policy, rule: claim.rule, reason: `${claim.metric} limit of ${claim.limit} on ${claim.scope} would have been reached` };
    }
  }
  for (const { claim, key } of keyed) counters.set(key, (counters.get(key) ?? 0) + actual(claim, record));
  return decision;
}

export async function dryRun(input: DryRunInput): Promise<DryRunReport> {
  const until = new Date(input.now).toISOString();
  const since = new Date(input.now - input.days * 86_400_000).toISOString();
  // Newest first to keep the most recent `limit`, then replayed oldest first so counters fill in order.
  const records: AuditRecord[] = [];
  let truncated = false;
  for await (const record of iterateAudit(input.store, input.org, { since, until, order: 'desc' })) {
    if (records.length >= input.limit) {
      truncated = true;
      break;
    }
    records.push(record);
  }
  records.reverse();

  const report: DryRunReport = {
    window: { since, until, days: input.days },
    records: records.length,
    truncated,
    would: { allow: 0, block: 0, throttle: 0, modify: 0, escalate: 0 },
    changed: 0,
    newly_refused: 0,
    newly_allowed: 0,
    examples: [],
    limitations: DRY_RUN_LIMITATIONS,
  };
  const counters = new Map<string, number>();
  const changes: DryRunChange[] = [];
  for (const record of records) {
    const at = Date.parse(record.timestamp);
    const decision = applyClaims(input.set.decide(requestOf(record), tenantOf(record), at), record, at, counters);
    report.would[decision.action] += 1;
    if (decision.action === record.decision) continue;
    report.changed += 1;
    if (REFUSED.has(decision.action) && !REFUSED.has(record.decision)) report.newly_refused += 1;
    if (!REFUSED.has(decision.action) && REFUSED.has(record.decision)) report.newly_allowed += 1;
    changes.push({
      request_id: record.request_id,
      timestamp: record.timestamp,
      model: record.model.requested ?? record.model.used,
      recorded: record.decision,
      would: decision.action,
      policy: decision.policy,
      rule: decision.rule,
      reason: decision.reason,
    });
  }
  report.examples = changes.reverse().slice(0, MAX_EXAMPLES);
  return report;
}
