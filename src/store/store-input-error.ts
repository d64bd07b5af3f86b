/** An argument the store refuses before or at the database: a bad cursor, time or hash. Maps to HTTP 400. */
export class StoreInputError extends Error {
  readonly code = 'invalid_input';
  override readonly name = 'StoreInputError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
