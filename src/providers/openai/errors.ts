import type { WireErrorInput } from '../wire-error.js';

/** OpenAI's `error.type` for an HTTP status; the SDK picks its error class by status, people read the type. */
export function openAiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/**
 * `{"error":{"message","type","code","param"}}`. The decision record goes inside `error`
 * because the SDK exposes only that object (`err.error.warden`).
 */
export function openAiErrorBody(input: WireErrorInput): Record<string, unknown> {
  const error: Record<string, unknown> = { message: input.message, type: openAiErrorType(input.status), code: input.code, param: input.param ?? null };
  if (input.warden) error.warden = input.warden;
  return { error };
}
