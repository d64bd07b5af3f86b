/**
 * A write broke a uniqueness or reference rule: a key hash or team name already taken,
 * a request id already audited, a team still referenced by keys. Maps to HTTP 409.
 */
export class StoreConflictError extends Error {
  readonly code = 'conflict';
  override readonly name = 'StoreConflictError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
