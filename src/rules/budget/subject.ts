import type { EvalContext } from '../../engine/rule-kind.js';

/** Who a counter is kept for. Hierarchy: key within team within org. */
export const SUBJECT_SCOPES = ['org', 'team', 'user', 'key', 'session', 'mission', 'model'] as const;
export type SubjectScope = (typeof SUBJECT_SCOPES)[number];

/**
 * The counter's subject for this call, e.g. `team:acme/search`, `session:acme/s-1`;
 * undefined when the call carries no such id (no team, no session header), so the rule
 * does not apply. Everything below the org is prefixed with the org so tenants never share.
 */
export function subjectOf(scope: SubjectScope, ctx: EvalContext): string | undefined {
  const { tenant, request } = ctx;
  const org = tenant.org;
  let id: string | undefined;
  switch (scope) {
    case 'org':
      return `org:${org}`;
    case 'team':
      id = tenant.team;
      break;
    case 'user':
      id = tenant.user ?? request.endUser ?? request.labels.user_id;
      break;
    case 'key':
      id = tenant.keyId;
      break;
    case 'session':
      id = request.sessionId ?? request.labels.session_id;
      break;
    case 'mission':
      id = request.missionId ?? request.labels.mission_id;
      break;
    case 'model':
      id = ctx.model;
      break;
  }
  return id ? `${scope}:${org}/${id}` : undefined;
}

/** The bare id of a `user` subject, for per-user caps. */
export function userOf(ctx: EvalContext): string | undefined {
  return ctx.tenant.user ?? ctx.request.endUser ?? ctx.request.labels.user_id;
}

/** Input tokens plus the output cap: the most tokens this call can use. */
export function worstCaseTokens(ctx: EvalContext): number {
  const e = ctx.estimate();
  return e.inputTokens + e.maxOutputTokens;
}
