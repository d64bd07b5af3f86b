import { openPostgresStore } from './postgres/postgres-store.js';
import { DEFAULT_SQLITE_PATH, openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** Postgres when set (`DATABASE_URL`); the embedded SQLite file otherwise. */
  databaseUrl?: string;
  /** SQLite file; default `./.warden/warden.db`. */
  sqlitePath?: string;
  now?: () => number;
}

/** The store `warden serve` uses: Postgres when a URL is given, else the embedded SQLite file. */
export function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  if (options.databaseUrl) return openPostgresStore({ connectionString: options.databaseUrl, now: options.now });
  return openSqliteStore({ path: options.sqlitePath ?? DEFAULT_SQLITE_PATH, now: options.now });
}
