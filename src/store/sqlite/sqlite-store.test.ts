import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
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
});
