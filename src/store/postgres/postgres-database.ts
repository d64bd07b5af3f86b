// pg's Pool behind the SqlDatabase contract: statements go to any pooled connection,
// a transaction keeps one connection from BEGIN to COMMIT.
import type { Pool, PoolClient } from 'pg';
import { StoreConflictError } from '../store-conflict-error.js';
import { StoreInputError } from '../store-input-error.js';
import type { SqlDatabase, SqlExecutor, SqlRow, SqlValue } from '../sql/sql-database.js';

const CONFLICT_CODES = new Set(['23505', '23503']); // unique_violation, foreign_key_violation
const INPUT_CODES = new Set(['23514', '23502', '22P02', '22007', '22008']); // check, not null, bad text, bad datetime

function storeError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  const message = (error as Error).message;
  if (CONFLICT_CODES.has(code)) return new StoreConflictError(message, { cause: error });
  if (INPUT_CODES.has(code)) return new StoreInputError(message, { cause: error });
  return error;
}

type Queryable = Pick<Pool | PoolClient, 'query'>;

function executor(target: Queryable): SqlExecutor {
  return {
    async query(sql, params) {
      try {
        return (await target.query(sql, params as SqlValue[] | undefined)).rows as SqlRow[];
      } catch (error) {
        throw storeError(error);
      }
    },
    async execute(sql, params) {
      try {
        return (await target.query(sql, params as SqlValue[] | undefined)).rowCount ?? 0;
      } catch (error) {
        throw storeError(error);
      }
    },
  };
}

export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres';
  readonly forUpdate = ' FOR UPDATE';
  private readonly pooled: SqlExecutor;

  constructor(readonly pool: Pool) {
    this.pooled = executor(pool);
  }

  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]> {
    return this.pooled.query(sql, params);
  }

  execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.pooled.execute(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // A connection that cannot roll back is not returned to the pool for reuse.
          broken = rollbackError as Error;
        }
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }

  async lockKey(tx: SqlExecutor, key: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
