import pg from 'pg';
import type { Store } from '../store.js';
import { StoreInputError } from '../store-input-error.js';
import { applyMigrations } from '../sql/migrate.js';
import { createSqlStore } from '../sql/sql-store.js';
import { POSTGRES_TYPES, schemaMigrations } from '../sql/schema.js';
import { PostgresDatabase } from './postgres-database.js';

const POSTGRES_MIGRATIONS = schemaMigrations(POSTGRES_TYPES);

export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/db`, as in `DATABASE_URL`. */
  connectionString: string;
  /** Schema for Warden's tables (created when missing); default the server's search_path. */
  schema?: string;
  /** Pool size; default 10. */
  max?: number;
  /** Injected clock, ms since epoch. */
  now?: () => number;
  /** Errors of idle pooled connections (a restarted server); the pool replaces the connection. */
  onPoolError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens the Postgres store and applies pending migrations under an advisory lock. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new StoreInputError(`invalid schema name ${JSON.stringify(schema)}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  const db = new PostgresDatabase(pool);
  const now = options.now ?? Date.now;
  try {
    await db.transaction(async (tx) => {
      // One migrator per schema at a time: replicas starting together apply each step once.
      await db.lockKey(tx, `warden:migrations:${schema ?? ''}`);
      if (schema !== undefined) await tx.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await applyMigrations(tx, POSTGRES_MIGRATIONS, new Date(now()).toISOString());
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return createSqlStore(db, now);
}
