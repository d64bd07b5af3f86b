/**
 * An answer of the admin API: status, stable code, message and, for bad input, the field
 * at fault. Sent as `{"error":{"code","message","field"?}}`.
 */
export class AdminError extends Error {
  override readonly name = 'AdminError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function badInput(field: string, message: string, detail?: Record<string, unknown>): AdminError {
  return new AdminError(400, 'invalid_request', message, field, detail);
}

export function notFound(message: string): AdminError {
  return new AdminError(404, 'not_found', message);
}

export function forbidden(message: string): AdminError {
  return new AdminError(403, 'forbidden', message);
}
