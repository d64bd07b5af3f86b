import type { WireErrorInput } from '../wire-error.js';

/** Anthropic's `error.type` for an HTTP status (the SDK also reads it). */
export function anthropicErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 504) return 'timeout_error';
  if (status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/**
 * `{"type":"error","error":{"type","message"},"request_id"}`. The decision record sits at
 * the top level, where the SDK exposes the whole body (`err.error.warden`, as with OpenAI).
 */
export function anthropicErrorBody(input: WireErrorInput): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: 'error',
    error: { type: anthropicErrorType(input.status), message: input.message, code: input.code, ...(input.param ? { param: input.param } : {}) },
    request_id: input.requestId,
  };
  if (input.warden) body.warden = input.warden;
  return body;
}
