// better-sqlite3 behind the SqlDatabase contract. Statements run synchronously; the
// only thing to guard is a transaction that awaits between statements: while one is
// open, every other caller waits its turn, so nobody's statement lands inside it.
import type { Database as SqliteConnection, Statement } from 'better-sqlite3';
import { StoreConflictError } from '../store-conflict-error.js';
import { StoreInputError } from '../store-input-error.js';
import type { SqlDatabase, SqlExecutor, SqlRow, SqlValue } from '../sql/sql-database.js';

interface Compiled {
  statement: Statement;
  /** The `$n` numbers the statement uses, bound as `@pn`. */
  params: number[];
}

/** Prepared statements kept; dynamic audit inserts vary by batch size, so the cache is bounded. */
const CACHE_LIMIT = 500;

function storeError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_CONSTRAINT')) return error;
  const message = (error as Error).message;
  if (code === 'SQLITE_CONSTRAINT_CHECK' || code === 'SQLITE_CONSTRAINT_NOTNULL') return new StoreInputError(message, { cause: error });
  return new StoreConflictError(message, { cause: error });
}

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite';
  readonly forUpdate = '';
  private readonly cache = new Map<string, Compiled>();
  private inTransaction = false;
  private readonly waiting: (() => void)[] = [];
  private readonly direct: SqlExecutor = {
    query: async (sql, params) => this.all(sql, params),
    execute: async (sql, params) => this.run(sql, params),
  };

  constructor(readonly connection: SqliteConnection) {}

  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]> {
    if (!this.inTransaction) {
      try {
        return Promise.resolve(this.all(sql, params));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.exclusive(async () => this.all(sql, params));
  }

  execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    if (!this.inTransaction) {
      try {
        return Promise.resolve(this.run(sql, params));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.exclusive(async () => this.run(sql, params));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      // IMMEDIATE takes the write lock now, not at the first write, so another process
      // cannot slip in between our reads and writes (the audit head, version numbers).
      this.connection.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.connection.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async lockKey(): Promise<void> {
    // BEGIN IMMEDIATE already made this transaction the only writer.
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      this.cache.clear();
      this.connection.close();
    });
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inTransaction = true;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // Hand the turn straight to the next waiter, which keeps `inTransaction` set.
      if (next) next();
      else this.inTransaction = false;
    }
  }

  private compile(sql: string): Compiled {
    let compiled = this.cache.get(sql);
    if (compiled) return compiled;
    const params = new Set<number>();
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      params.add(Number(n));
      return `@p${n}`;
    });
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    compiled = { statement: this.connection.prepare(text), params: [...params] };
    this.cache.set(sql, compiled);
    return compiled;
  }

  private bind(compiled: Compiled, params: readonly SqlValue[] = []): Record<string, unknown> {
    const named: Record<string, unknown> = {};
    for (const n of compiled.params) {
      const value = params[n - 1];
      named[`p${n}`] = typeof value === 'boolean' ? (value ? 1 : 0) : (value ?? null);
    }
    return named;
  }

  private all(sql: string, params?: readonly SqlValue[]): SqlRow[] {
    try {
      const compiled = this.compile(sql);
      const bound = this.bind(compiled, params);
      if (compiled.statement.reader) return compiled.statement.all(bound) as SqlRow[];
      compiled.statement.run(bound);
      return [];
    } catch (error) {
      throw storeError(error);
    }
  }

  private run(sql: string, params?: readonly SqlValue[]): number {
    try {
      const compiled = this.compile(sql);
      const bound = this.bind(compiled, params);
      if (compiled.statement.reader) return compiled.statement.all(bound).length;
      return compiled.statement.run(bound).changes;
    } catch (error) {
      throw storeError(error);
    }
  }
}
