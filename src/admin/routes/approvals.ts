// Human approvals (seed 004) through the role-aware admin API: every role of the org may
// list and read its pending approvals; owners and admins may decide them, and a team-admin
// only its team's. Another org's approvals do not exist for the caller (404).
import type { Approval, ApprovalStatus } from '../../approvals/types.js';
import { APPROVAL_STATUSES } from '../../approvals/types.js';
import { approvalJson } from '../../approvals/approval-json.js';
import { AdminError, badInput, notFound } from '../admin-error.js';
import { readJsonObject } from '../http-io.js';
import { type RouteContext, type RouteDef, principalOf } from '../route.js';

const MAX_REASON = 1000;

function gateOf(ctx: RouteContext) {
  const gate = ctx.deps.approvals?.();
  if (!gate) throw notFound('approvals are off on this gateway (they need WARDEN_ADMIN_TOKEN)');
  return gate;
}

/** True when the caller's org (and, for a team-admin, team) owns the held call. */
function visible(ctx: RouteContext, approval: Approval): boolean {
  const principal = principalOf(ctx);
  if (approval.requester.org !== principal.org) return false;
  return principal.team === null || approval.requester.team === principal.team;
}

async function visibleApproval(ctx: RouteContext): Promise<Approval> {
  const id = ctx.params.id as string;
  const found = await gateOf(ctx).get(id);
  if (!found || !visible(ctx, found)) throw notFound(`no approval ${id}`);
  return found;
}

function decideRoute(verb: 'approve' | 'reject'): RouteDef {
  return {
    method: 'POST',
    path: `/api/v1/approvals/:id/${verb}`,
    auth: { by: 'admin', access: 'write', teamScoped: true },
    async handle(ctx) {
      const approval = await visibleApproval(ctx);
      const body = await readJsonObject(ctx.req, { allowEmpty: true });
      const reason = body.reason;
      if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > MAX_REASON)) {
        throw badInput('reason', `reason must be a string of at most ${MAX_REASON} characters`);
      }
      const principal = principalOf(ctx);
      const by = `${principal.role}:${principal.tokenId}`;
      const result = await gateOf(ctx).decide(approval.id, verb === 'approve' ? 'approved' : 'rejected', by, typeof reason === 'string' ? reason : undefined);
      if (!result.ok) {
        if (result.error === 'not_found') throw notFound(`no approval ${approval.id}`);
        throw new AdminError(409, 'already_decided', `approval ${approval.id} is already ${result.approval.status}`);
      }
      ctx.deps.logger.info({ approvalId: approval.id, requestId: result.approval.requestId, status: result.approval.status, by }, 'approval decided');
      return { status: 200, body: approvalJson(result.approval) };
    },
  };
}

export const approvalRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/api/v1/approvals',
    auth: { by: 'admin', access: 'read', teamScoped: true },
    async handle(ctx) {
      const status = ctx.query.get('status') ?? 'pending';
      if (status !== 'all' && !APPROVAL_STATUSES.includes(status as ApprovalStatus)) {
        throw badInput('status', `status must be one of ${[...APPROVAL_STATUSES, 'all'].join(', ')}`);
      }
      const list = await gateOf(ctx).list(status === 'all' ? undefined : (status as ApprovalStatus));
      return { status: 200, body: { data: list.filter((a) => visible(ctx, a)).map(approvalJson) } };
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
