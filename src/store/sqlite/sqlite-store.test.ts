import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyMigrations } from '../sql/migrate.js';
import { SQLITE_TYPES, schemaMigrations } from '../sql/schema.js';
import { runStoreContract } from '../store.contract.js';
import { SqliteDatabase } from './sqlite-database.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
const path = join(dir, 'nested', 'warden.db');
let direct: SqliteDatabase | undefined;

runStoreContract('sqlite', {
  create: () => openSqliteStore({ path }),
  sql: (text, params) => {
    direct ??= new SqliteDatabase(new Database(path));
    return direct.query(text, params);
  },
  cleanup: async () => {
    await direct?.close();
    rmSync(dir, { recursive: true, force: true });
  },
});

describe('sqlite adapter', () => {
  it('opens in WAL mode with synchronous=FULL and foreign keys on', async () => {
    const own = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
    const file = join(own, 'w.db');
    const store = await openSqliteStore({ path: file });
    await store.close();
    const db = new Database(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('keeps other callers out of an open transaction', async () => {
    const db = new SqliteDatabase(new Database(':memory:'));
    await db.execute('CREATE TABLE t (v INTEGER)');
    let outsideRan = false;
    const tx = db.transaction(async (t) => {
      await t.execute('INSERT INTO t VALUES (1)');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(outsideRan).toBe(false);
      throw new Error('half-way');
    });
    const outside = db.execute('INSERT INTO t VALUES (2)').then(() => (outsideRan = true));
    await expect(tx).rejects.toThrow('half-way');
    await outside;
    expect((await db.query('SELECT v FROM t')).map((r) => r.v)).toEqual([2]);
    await db.close();
  });

  it('migration 3 keeps the approvals of an older database', async () => {
    const own = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
    const file = join(own, 'v2.db');
    const old = new SqliteDatabase(new Database(file));
    await old.transaction((tx) => applyMigrations(tx, schemaMigrations(SQLITE_TYPES).filter((m) => m.version <= 2), '2026-01-01T00:00:00.000Z'));
    const insert = `INSERT INTO approvals (org, id, request_id, status, record, decided_by, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8)`;
    await old.execute(insert, ['acme', 'apr_old', 'req_1', 'pending', '{"n":1}', null, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    await old.execute(insert, ['acme', 'apr_done', 'req_2', 'approved', '{"n":2}', 'alice', '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:05.000Z']);
    await old.close();
    const store = await openSqliteStore({ path: file });
    try {
      expect(await store.getApproval('acme', 'apr_old')).toMatchObject({ status: 'pending', record: { n: 1 }, decided_at: null, team: null });
      expect(await store.getApproval('acme', 'apr_done')).toMatchObject({ status: 'approved', decided_by: 'alice', decided_at: '2026-01-01T00:00:05.000Z' });
      expect((await store.listApprovals('acme')).map((a) => a.id)).toEqual(['apr_done', 'apr_old']);
      const next = await store.createApproval('acme', { request_id: 'req_3', record: {} });
      expect((await store.listApprovals('acme'))[0]?.id).toBe(next.id);
      expect(await store.decideApproval('acme', 'apr_old', { status: 'cancelled' })).toMatchObject({ status: 'cancelled' });
    } finally {
      await store.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});
