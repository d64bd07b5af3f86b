import type { SqlDatabase } from './sql-database.js';

/** What every part of the SQL store shares: the database and the injected clock. */
export interface SqlContext {
  db: SqlDatabase;
  /** ms since epoch. */
  now: () => number;
}

export function nowIso(ctx: SqlContext): string {
  return new Date(ctx.now()).toISOString();
}
