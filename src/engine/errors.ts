// One catalogue of stable error codes, each with the HTTP status the gateway answers
// with. The SDK raises the same codes; the audit trail records them.

export const ERROR_CODES = {
  policy_violation: 403,
  model_not_allowed: 403,
  model_required: 400,
  token_ceiling_exceeded: 403,
  cost_limit_exceeded: 403,
  unknown_model_price: 403,
  key_environment_mismatch: 403,
  content_blocked: 403,
  pii_detected: 403,
  secret_detected: 403,
  prompt_injection: 403,
  encoded_payload: 403,
  exfiltration: 403,
  approval_required: 403,
  approval_rejected: 403,
  approval_timeout: 403,
  rate_limited: 429,
  budget_exceeded: 429,
  duplicate_request: 429,
  loop_detected: 403,
  counter_store_unavailable: 503,
  invalid_request: 400,
  invalid_policy: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  upstream_error: 502,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function statusOf(code: string): number {
  return (ERROR_CODES as Record<string, number>)[code] ?? 403;
}

export interface PolicyIssue {
  /** Where, as a path a person can follow: `rules[3].patterns[1]`. */
  path: string;
  message: string;
}

/** A policy document (or set) that does not compile. Carries every issue, not just the first. */
export class PolicyValidationError extends Error {
  readonly code = 'invalid_policy';
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[], source?: string) {
    const where = source ? `${source}: ` : '';
    const lines = issues.map((i) => `  ${i.path || '(document)'}: ${i.message}`);
    super(`${where}invalid policy (${issues.length} error${issues.length === 1 ? '' : 's'})\n${lines.join('\n')}`);
    this.name = 'PolicyValidationError';
    this.issues = issues;
  }
}

/** Formats a path array the way users write it: `rules[3].patterns[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
