import type { PolicyScope } from '../engine/policy-document.js';
import type { Tenant } from '../engine/types.js';

/** The counter a policy-level budget is kept in: the policy's own scope, filled from the caller. */
export function claimScope(scope: PolicyScope, tenant: Tenant): string {
  if (scope.key) return `key:${tenant.org}/${scope.key}`;
  if (scope.user) return `user:${tenant.org}/${scope.user}`;
  if (scope.team) return `team:${tenant.org}/${scope.team}`;
  return `org:${tenant.org}`;
}
