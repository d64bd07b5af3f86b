// The little a SQL adapter must provide for the shared store implementation: run a
// statement, run a transaction, and two dialect hooks for row locking. Statements are
// written once with Postgres `$n` placeholders; the SQLite adapter rewrites them.

export type SqlValue = string | number | boolean | null;
export type SqlRow = Record<string, unknown>;

export interface SqlExecutor {
  /** Rows for SELECT and `RETURNING`; an empty list otherwise. Driver errors arrive mapped to store errors. */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** For statements whose rows are not wanted: resolves with the number of rows changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction that holds the write lock where the dialect has one
   * (SQLite `BEGIN IMMEDIATE`); commits when it resolves, rolls back when it throws.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Appended to a SELECT that must lock the rows it reads until commit (`FOR UPDATE` in Postgres). */
  readonly forUpdate: string;
  /** Serializes transactions on `key` until commit (Postgres advisory lock; SQLite already serializes writers). */
  lockKey(tx: SqlExecutor, key: string): Promise<void>;
  close(): Promise<void>;
}
