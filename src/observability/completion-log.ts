import type { CompletionRecord } from '../gateway/types.js';
import type { GatewayLogger } from '../gateway/types.js';

/**
 * The one line logged per request, built field by field from an allowlist: names from
 * config (route, policy, rule, tenant ids), codes, numbers. Never a message, a header
 * value, a key or a decision's reason (a reason can quote a tenant's pattern next to the
 * text it matched).
 */
export function completionFields(record: CompletionRecord, ttftSeconds?: number): Record<string, unknown> {
  const { decision, tenant } = record;
  const fields: Record<string, unknown> = {
    requestId: record.requestId,
    route: record.route,
    method: record.method,
    status: record.status,
    durationMs: record.durationMs,
    stream: record.stream,
  };
  if (record.model !== undefined) fields.model = record.model;
  if (tenant) {
    fields.org = tenant.org;
    if (tenant.team !== undefined) fields.team = tenant.team;
    if (tenant.keyId !== undefined) fields.keyId = tenant.keyId;
    if (tenant.environment !== undefined) fields.environment = tenant.environment;
  }
  if (decision) {
    fields.action = decision.action;
    if (decision.policy !== null) fields.policy = decision.policy;
    if (decision.rule !== null) fields.rule = decision.rule;
    if (decision.code !== undefined) fields.code = decision.code;
    fields.engineUs = Math.round(decision.durationUs);
    const redactions = decision.modifications.redactions;
    if (redactions.length) fields.redactions = redactions.map((r) => ({ entity: r.entity, count: r.count }));
    if (decision.modifications.model) fields.downgradedTo = decision.modifications.model.to;
  }
  if (record.errorCode !== undefined) fields.errorCode = record.errorCode;
  if (record.upstream !== undefined) fields.upstream = record.upstream;
  if (record.upstreamStatus !== undefined) fields.upstreamStatus = record.upstreamStatus;
  if (record.attempts && record.attempts.length > 1) fields.attempts = record.attempts.length;
  if (record.usage) {
    fields.inputTokens = record.usage.inputTokens;
    fields.outputTokens = record.usage.outputTokens;
  }
  if (record.costUsd !== null) fields.costUsd = record.costUsd;
  if (ttftSeconds !== undefined) fields.ttftMs = Math.round(ttftSeconds * 1000);
  if (record.clientAborted) fields.clientAborted = true;
  if (record.output && record.output.action !== 'allow') {
    fields.output = { action: record.output.action, findings: record.output.touched.reduce((n, t) => n + t.count, 0), ...(record.output.block ? { rule: record.output.block.rule, code: record.output.block.code } : {}) };
  }
  if (record.approval) fields.approval = { id: record.approval.id, status: record.approval.status, waitedMs: record.approval.waitedMs };
  return fields;
}

/** Refusals and upstream failures at `warn`, so `LOG_LEVEL=warn` still shows them. */
export function logCompletion(logger: GatewayLogger, record: CompletionRecord, ttftSeconds?: number): void {
  const fields = completionFields(record, ttftSeconds);
  if (record.status >= 500) logger.warn(fields, 'request failed');
  else if (record.decision && record.decision.action !== 'allow' && record.decision.action !== 'modify') logger.warn(fields, 'request refused');
  else logger.info(fields, 'request completed');
}
