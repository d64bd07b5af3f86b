// `/api/v1/approvals` of a gateway embedded without the REST admin API (`startGateway` with
// `adminToken` only): the admin API's own approval routes (src/admin/routes/approvals.ts),
// behind the one admin token, which sees and decides every org's approvals.
import type { ApprovalGate } from '../approvals/approval-gate.js';
import { AdminRouter } from '../admin/admin-server.js';
import type { Principal } from '../admin/principal.js';
import { type ApprovalRouteDeps, approvalRoutes } from '../admin/routes/approvals.js';
import type { Caller } from '../admin/route.js';
import { AdminAuth } from './admin-auth.js';
import type { AdminRequest, GatewayLogger } from './types.js';

export const ADMIN_APPROVALS_PATH = '/api/v1/approvals';

/** True for the paths the approvals admin API answers. */
export function isAdminApprovalsPath(path: string): boolean {
  return path === ADMIN_APPROVALS_PATH || path.startsWith(`${ADMIN_APPROVALS_PATH}/`);
}

const EMBEDDED_ADMIN: Principal = { org: '', role: 'owner', team: null, tokenId: 'admin', operator: true, allOrgs: true };

export class AdminApi {
  private readonly router: AdminRouter<ApprovalRouteDeps>;

  constructor(auth: AdminAuth, gate: ApprovalGate | undefined, logger: GatewayLogger) {
    this.router = new AdminRouter<ApprovalRouteDeps>({
      routes: approvalRoutes,
      deps: { approvals: () => gate, logger },
      async authenticate(_auth, req): Promise<Caller> {
        // 403 admin_disabled without a configured token, 401 for a missing or wrong one.
        const denied = auth.check(req.headers);
        if (denied) throw denied;
        return { kind: 'admin', principal: EMBEDDED_ADMIN };
      },
      logger,
    });
  }

  handle(input: AdminRequest): Promise<void> {
    return this.router.handle(input);
  }
}
