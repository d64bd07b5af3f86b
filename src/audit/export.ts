// Audit export as streams of text chunks (JSONL or CSV), page by page through the
// store's cursor, so an export of millions of records holds one page in memory.
import type { AuditQuery, AuditRecord, Store } from '../store/store.js';

export type AuditExportFormat = 'jsonl' | 'csv';

type AuditQueryable = Pick<Store, 'queryAudit'>;

/** Every record matching `query`, oldest first unless `query.order` says otherwise. */
export async function* iterateAudit(store: AuditQueryable, org: string, query: AuditQuery = {}): AsyncGenerator<AuditRecord> {
  let cursor = query.cursor;
  for (;;) {
    const page = await store.queryAudit(org, { order: 'asc', limit: 500, ...query, cursor });
    yield* page.items;
    if (page.next_cursor === null) return;
    cursor = page.next_cursor;
  }
}

/** One JSON record per line: the full record, chain fields included, so an export can be re-verified. */
export async function* exportAuditJsonl(store: AuditQueryable, org: string, query: AuditQuery = {}): AsyncGenerator<string> {
  for await (const record of iterateAudit(store, org, query)) yield `${JSON.stringify(record)}\n`;
}

/** The CSV columns, in order: the flat fields a spreadsheet needs; nested detail stays in JSONL. */
export const AUDIT_CSV_COLUMNS = [
  'seq',
  'timestamp',
  'request_id',
  'decision',
  'code',
  'policy',
  'rule',
  'reason',
  'user',
  'environment',
  'team',
  'key_id',
  'model_requested',
  'model_used',
  'status',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'latency_ms',
  'revision',
  'source',
  'prev_hash',
  'hash',
] as const;

function csvRow(record: AuditRecord): unknown[] {
  return [
    record.seq,
    record.timestamp,
    record.request_id,
    record.decision,
    record.code,
    record.policy,
    record.rule,
    record.reason,
    record.user,
    record.environment,
    record.team,
    record.key_id,
    record.model?.requested,
    record.model?.used,
    record.status,
    record.usage?.input_tokens,
    record.usage?.output_tokens,
    record.cost_usd,
    record.latency_ms,
    record.revision,
    record.source,
    record.prev_hash,
    record.hash,
  ];
}

/**
 * RFC 4180 quoting. Text cells starting with `=`, `+`, `-`, `@`, tab or CR get a leading `'`
 * so a spreadsheet never runs a reason or user name as a formula (CSV injection).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function* exportAuditCsv(store: AuditQueryable, org: string, query: AuditQuery = {}): AsyncGenerator<string> {
  yield `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
  for await (const record of iterateAudit(store, org, query)) yield `${csvRow(record).map(csvCell).join(',')}\r\n`;
}

export function exportAudit(
  store: AuditQueryable,
  org: string,
  format: AuditExportFormat,
  query: AuditQuery = {},
): AsyncGenerator<string> {
  return format === 'csv' ? exportAuditCsv(store, org, query) : exportAuditJsonl(store, org, query);
}
