import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../store.js';
import { applyMigrations } from '../sql/migrate.js';
import { createSqlStore } from '../sql/sql-store.js';
import { SQLITE_TYPES, schemaMigrations } from '../sql/schema.js';
import { SqliteDatabase } from './sqlite-database.js';

const SQLITE_MIGRATIONS = schemaMigrations(SQLITE_TYPES);

/** Where the embedded store lives when nothing else is configured. */
export const DEFAULT_SQLITE_PATH = join('.warden', 'warden.db');

export interface SqliteStoreOptions {
  /** The database file; created with its directory when missing. Default `./.warden/warden.db`. */
  path?: string;
  /** Injected clock, ms since epoch. */
  now?: () => number;
}

/**
 * A connection with the store's settings. Every connection to the file uses them: the
 * store's own and the audit writer's (sqlite-audit-writer.ts).
 */
export function openSqliteConnection(path: string): Database.Database {
  const connection = new Database(path);
  try {
    connection.pragma('journal_mode = WAL');
    connection.pragma('synchronous = FULL');
    connection.pragma('foreign_keys = ON');
    // Another connection holding the write lock (the audit writer, a second CLI, a migration) is waited for, not failed.
    connection.pragma('busy_timeout = 5000');
    return connection;
  } catch (error) {
    connection.close();
    throw error;
  }
}

/**
 * Opens (and migrates) the embedded store. WAL lets readers run beside the writer;
 * `synchronous = FULL` makes every commit reach the disk before it returns, which is
 * what lets an audit append resolve only once it would survive a crash or power loss.
 */
export async function openSqliteStore(options: SqliteStoreOptions = {}): Promise<Store> {
  const path = options.path ?? DEFAULT_SQLITE_PATH;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const connection = openSqliteConnection(path);
  try {
    const db = new SqliteDatabase(connection);
    const now = options.now ?? Date.now;
    await db.transaction((tx) => applyMigrations(tx, SQLITE_MIGRATIONS, new Date(now()).toISOString()));
    return createSqlStore(db, now);
  } catch (error) {
    connection.close();
    throw error;
  }
}
