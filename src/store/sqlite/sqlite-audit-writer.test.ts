import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEntryFixture } from '../../../test/store/fixtures/audit-entry.js';
import { createAuditLog } from '../../audit/audit-log.js';
import { verifyChain } from '../../audit/verify.js';
import type { Store } from '../store.js';
import { StoreConflictError } from '../store-conflict-error.js';
import { type SqliteAuditWriter, openSqliteAuditWriter } from './sqlite-audit-writer.js';
import { openSqliteStore } from './sqlite-store.js';

describe('SQLite audit writer thread', () => {
  let dir: string;
  let path: string;
  let store: Store;
  let writer: SqliteAuditWriter;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-audit-writer-'));
    path = join(dir, 'warden.db');
    store = await openSqliteStore({ path });
    writer = openSqliteAuditWriter(path);
  });
  afterEach(async () => {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends chained records that the store reads back and verifies', async () => {
    const records = await writer.appendAudit([auditEntryFixture('acme', 'req_1'), auditEntryFixture('acme', 'req_2'), auditEntryFixture('other', 'req_3')]);
    expect(records.map((r) => [r.org, r.seq])).toEqual([
      ['acme', 1],
      ['acme', 2],
      ['other', 1],
    ]);
    expect(records[1]?.prev_hash).toBe(records[0]?.hash);
    const page = await store.queryAudit('acme');
    expect(page.items.map((r) => r.request_id).sort()).toEqual(['req_1', 'req_2']);
    expect(await verifyChain(store, 'acme')).toEqual({ ok: true, records: 2 });
  });

  it('keeps one chain in order when the writer and the store append to the same org', async () => {
    await writer.appendAudit([auditEntryFixture('acme', 'req_w1')]);
    await store.appendAudit([auditEntryFixture('acme', 'req_s1')]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.appendAudit([auditEntryFixture('acme', `req_w${i + 2}`)])));
    expect(await verifyChain(store, 'acme')).toEqual({ ok: true, records: 22 });
  });

  it('reports a duplicate request id as the store does, so the audit log stores the rest of the batch', async () => {
    await writer.appendAudit([auditEntryFixture('acme', 'req_dup')]);
    await expect(writer.appendAudit([auditEntryFixture('acme', 'req_dup')])).rejects.toBeInstanceOf(StoreConflictError);
    const log = createAuditLog(writer);
    const results = await Promise.allSettled([log.append(auditEntryFixture('acme', 'req_dup')), log.append(auditEntryFixture('acme', 'req_new'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(await verifyChain(store, 'acme')).toEqual({ ok: true, records: 2 });
  });

  it('lets the appends in flight finish on close, and refuses new ones', async () => {
    const inFlight = writer.appendAudit([auditEntryFixture('acme', 'req_last')]);
    const closed = writer.close();
    await expect(inFlight).resolves.toHaveLength(1);
    await closed;
    await expect(writer.appendAudit([auditEntryFixture('acme', 'req_late')])).rejects.toThrow('closed');
    expect((await store.queryAudit('acme')).items.map((r) => r.request_id)).toEqual(['req_last']);
  });
});
