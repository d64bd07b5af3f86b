import type { SqlExecutor } from './sql-database.js';
import { num } from './values.js';

export interface Migration {
  /** 1, 2, 3 ... never renumbered once released. */
  version: number;
  name: string;
  /** Statements run in order inside the migration's transaction. */
  statements: readonly string[];
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, inside the
 * caller's transaction (which holds the adapter's migration lock), so a half-applied
 * migration never stays and two processes opening at once apply each only once.
 */
export async function applyMigrations(tx: SqlExecutor, migrations: readonly Migration[], appliedAt: string): Promise<number[]> {
  await tx.execute(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const done = new Set((await tx.query('SELECT version FROM schema_migrations')).map((row) => num(row.version)));
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements) await tx.execute(statement);
    await tx.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      appliedAt,
    ]);
    applied.push(migration.version);
  }
  return applied;
}
