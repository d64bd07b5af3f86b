const MARKER = Symbol.for('warden.error.counter_store_unavailable');

/**
 * The counter backend did not answer in time or at all. Callers decide between failing
 * closed (answer 503) and failing open (let the call through unmetered); the store only
 * reports promptly.
 */
export class CounterStoreUnavailableError extends Error {
  readonly code = 'counter_store_unavailable' as const;
  /** The store operation that failed: `reserve`, `settle`, `release`, ... */
  readonly operation: string;
  readonly [MARKER] = true;

  constructor(operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`counter store unavailable during ${operation}: ${reason}`, { cause });
    this.name = 'CounterStoreUnavailableError';
    this.operation = operation;
  }

  /** Works across module copies and realms, where instanceof does not. */
  static isInstance(error: unknown): error is CounterStoreUnavailableError {
    return typeof error === 'object' && error !== null && MARKER in error;
  }
}
