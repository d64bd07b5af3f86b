// Human approvals (seed 004), the one implementation of `/api/v1/approvals`. Under the
// role-aware admin API every role of the org may list and read its pending approvals;
// owners and admins may decide them, and a team-admin only its team's. Another org's
// approvals do not exist for the caller (404). A gateway embedded without the admin API
// serves these same routes with its one admin token (src/gateway/admin-api.ts), which
// sees every org's approvals.
import type { Approval, ApprovalStatus } from '../../approvals/types.js';
import { APPROVAL_STATUSES } from '../../approvals/types.js';
import { approvalJson } from '../../approvals/approval-json.js';
import { AdminError, badInput, notFound } from '../admin-error.js';
import { readJsonObject } from '../http-io.js';
import type { Principal } from '../principal.js';
import { type AdminDeps, type RouteContext, type RouteDef, principalOf } from '../route.js';

const MAX_TEXT = 1000;

/** What these routes use: the gateway's approval gate and the logger. */
export type ApprovalRouteDeps = Pick<AdminDeps, 'approvals' | 'logger'>;
type Ctx = RouteContext<ApprovalRouteDeps>;

function gateOf(ctx: Ctx) {
  const gate = ctx.deps.approvals?.();
  if (!gate) throw notFound('approvals are off on this gateway (they need WARDEN_ADMIN_TOKEN)');
  return gate;
}

/** The org the caller's lookups are limited to; undefined for the embedded gateway's token (every org). */
function orgScope(principal: Principal): string | undefined {
  return principal.allOrgs ? undefined : principal.org;
}

/** True when the caller's org (and, for a team-admin, team) owns the held call. */
function visible(principal: Principal, approval: Approval): boolean {
  if (principal.allOrgs) return true;
  if (approval.requester.org !== principal.org) return false;
  return principal.team === null || approval.requester.team === principal.team;
}

async function visibleApproval(ctx: Ctx): Promise<Approval> {
  const id = ctx.params.id as string;
  const principal = principalOf(ctx);
  const found = await gateOf(ctx).get(id, orgScope(principal));
  if (!found || !visible(principal, found)) throw notFound(`no approval ${id}`);
  return found;
}

/** An optional string field of the decision body (`reason`, `by`). */
function text(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > MAX_TEXT) throw badInput(field, `${field} must be a string of at most ${MAX_TEXT} characters`);
  return value;
}

function decideRoute(verb: 'approve' | 'reject'): RouteDef<ApprovalRouteDeps> {
  return {
    method: 'POST',
    path: `/api/v1/approvals/:id/${verb}`,
    auth: { by: 'admin', access: 'write', teamScoped: true },
    async handle(ctx) {
      // The body first: a malformed one is a 400 whether or not the approval exists.
      const body = await readJsonObject(ctx.req, { allowEmpty: true });
      const reason = text(body, 'reason');
      const named = text(body, 'by');
      const approval = await visibleApproval(ctx);
      const principal = principalOf(ctx);
      // A stored token is who decided; the embedded gateway's single token may name the person.
      const by = principal.allOrgs ? (named ?? 'admin') : `${principal.role}:${principal.tokenId}`;
      const result = await gateOf(ctx).decide(approval.id, verb === 'approve' ? 'approved' : 'rejected', by, reason, approval.requester.org);
      if (!result.ok) {
        if (result.error === 'not_found') throw notFound(`no approval ${approval.id}`);
        throw new AdminError(409, 'already_decided', `approval ${approval.id} is already ${result.approval.status}`);
      }
      ctx.deps.logger.info({ approvalId: approval.id, requestId: result.approval.requestId, status: result.approval.status, by }, 'approval decided');
      return { status: 200, body: approvalJson(result.approval) };
    },
  };
}

export const approvalRoutes: RouteDef<ApprovalRouteDeps>[] = [
  {
    method: 'GET',
    path: '/api/v1/approvals',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      const status = ctx.query.get('status') ?? 'pending';
      if (status !== 'all' && !APPROVAL_STATUSES.includes(status as ApprovalStatus)) {
        throw badInput('status', `status must be one of ${[...APPROVAL_STATUSES, 'all'].join(', ')}`);
      }
      const principal = principalOf(ctx);
      const org = orgScope(principal);
      const list = await gateOf(ctx).list({
        ...(org !== undefined ? { org } : {}),
        ...(principal.team !== null && !principal.allOrgs ? { team: principal.team } : {}),
        ...(status !== 'all' ? { status: status as ApprovalStatus } : {}),
      });
      return { status: 200, body: { data: list.filter((a) => visible(principal, a)).map(approvalJson) } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/approvals/:id',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      return { status: 200, body: approvalJson(await visibleApproval(ctx)) };
    },
  },
  decideRoute('approve'),
  decideRoute('reject'),
];
