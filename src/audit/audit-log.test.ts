import { describe, expect, it } from 'vitest';
import { auditEntryFixture } from '../../test/store/fixtures/audit-entry.js';
import type { AuditEntry, AuditRecord, Store } from '../store/store.js';
import { AuditLogClosedError, createAuditLog } from './audit-log.js';

/** A store whose commits the test releases by hand, to see when append() resolves. */
function gatedStore(fail?: (entries: readonly AuditEntry[]) => boolean) {
  const batches: AuditEntry[][] = [];
  const gates: (() => void)[] = [];
  let seq = 0;
  const store: Pick<Store, 'appendAudit'> = {
    appendAudit(entries) {
      batches.push([...entries]);
      return new Promise<AuditRecord[]>((resolve, reject) => {
        gates.push(() => {
          if (fail?.(entries)) return reject(new Error('constraint'));
          resolve(entries.map((e) => ({ ...e, seq: ++seq, prev_hash: '', hash: '' })));
        });
      });
    },
  };
  const commit = async () => {
    while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
    gates.shift()!();
  };
  return { store, batches, commit };
}

describe('AuditLog group commit', () => {
  it('batches entries that arrive together and resolves them only after the commit', async () => {
    const { store, batches, commit } = gatedStore();
    const log = createAuditLog(store, { maxDelayMs: 5 });
    let resolved = 0;
    const first = ['a', 'b', 'c'].map((id) => log.append(auditEntryFixture('o', id)).then(() => resolved++));
    await new Promise((r) => setTimeout(r, 20));
    expect(batches.map((b) => b.length)).toEqual([3]);
    expect(resolved).toBe(0);
    // Entries arriving while a batch is being written wait for the next one.
    const second = ['d', 'e'].map((id) => log.append(auditEntryFixture('o', id)));
    await commit();
    await Promise.all(first);
    expect(resolved).toBe(3);
    await commit();
    expect((await Promise.all(second)).map((r) => r.request_id)).toEqual(['d', 'e']);
    expect(batches.map((b) => b.length)).toEqual([3, 2]);
  });

  it('writes a full batch at once and splits larger queues', async () => {
    const { store, batches, commit } = gatedStore();
    const log = createAuditLog(store, { maxBatch: 4, maxDelayMs: 1000 });
    const all = Array.from({ length: 10 }, (_, i) => log.append(auditEntryFixture('o', `r${i}`)));
    await commit();
    await commit();
    await commit();
    await Promise.all(all);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
  });

  it('retries a failed batch entry by entry so only the bad one rejects', async () => {
    const { store, commit } = gatedStore((entries) => entries.some((e) => e.request_id === 'bad'));
    const log = createAuditLog(store, { maxDelayMs: 0 });
    const results = Promise.allSettled(['ok1', 'bad', 'ok2'].map((id) => log.append(auditEntryFixture('o', id))));
    for (let i = 0; i < 4; i++) await commit();
    expect((await results).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log.stats()).toMatchObject({ appended: 2, failed: 1 });
  });

  it('flushes on close and refuses appends afterwards', async () => {
    const { store, commit } = gatedStore();
    const log = createAuditLog(store, { maxDelayMs: 1000 });
    const pending = log.append(auditEntryFixture('o', 'last'));
    const closing = log.close();
    await commit();
    await closing;
    await expect(pending).resolves.toMatchObject({ request_id: 'last' });
    await expect(log.append(auditEntryFixture('o', 'late'))).rejects.toBeInstanceOf(AuditLogClosedError);
  });
});
