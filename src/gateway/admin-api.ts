import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApprovalGate } from '../approvals/approval-gate.js';
import { approvalJson } from '../approvals/approval-json.js';
import { APPROVAL_STATUSES, type ApprovalStatus } from '../approvals/types.js';
import type { AdminAuth } from './admin-auth.js';
import { GatewayError } from './errors.js';
import { checkContentType, parseJsonBody, readBody } from './request-body.js';
import type { GatewayLogger } from './types.js';

export const ADMIN_APPROVALS_PATH = '/api/v1/approvals';
const MAX_ADMIN_BODY_BYTES = 16 * 1024;
const MAX_REASON_LENGTH = 1_000;
const ACTION_PATH = /^\/api\/v1\/approvals\/([A-Za-z0-9_-]{1,100})\/(approve|reject)$/;

export interface AdminRequest {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  /** Headers every response carries (x-request-id, RateLimit-*). */
  headers: Record<string, string>;
  /**
   * Counts a failed authentication against the client's address; throws the 429 when the
   * address is over its limit. Called before the token check with `failed: false` too.
   */
  guard(failed: boolean): void;
}

/** True for the paths the approvals admin API answers. */
export function isAdminApprovalsPath(path: string): boolean {
  return path === ADMIN_APPROVALS_PATH || path.startsWith(`${ADMIN_APPROVALS_PATH}/`);
}

/**
 * `GET /api/v1/approvals[?status=]`, `POST /api/v1/approvals/{id}/approve|reject`.
 * Errors are `{"error":{"code","message"}}`, the admin API's format (not a provider's).
 */
export class AdminApi {
  constructor(
    private readonly auth: AdminAuth,
    private readonly gate: ApprovalGate | undefined,
    private readonly logger: GatewayLogger,
  ) {}

  async handle(input: AdminRequest): Promise<void> {
    const { req, res } = input;
    try {
      input.guard(false);
      const denied = this.auth.check(req.headers);
      if (denied) {
        if (denied.status === 401) input.guard(true);
        throw denied;
      }
      const result = await this.route(input);
      sendJson(res, result.status, result.body, input.headers);
    } catch (err) {
      if (res.headersSent || res.destroyed) return;
      let error: GatewayError;
      if (err instanceof GatewayError) {
        error = err;
      } else {
        this.logger.error({ requestId: input.headers['x-request-id'], err: (err as Error)?.message }, 'admin request failed');
        error = new GatewayError(500, 'internal_error', 'internal error in the Warden admin API');
      }
      // An unread body would be taken for the next request on a kept-alive connection.
      const headers = req.complete ? { ...input.headers, ...error.headers } : { ...input.headers, ...error.headers, connection: 'close' };
      sendJson(res, error.status, { error: { code: error.code, message: error.message } }, headers);
    }
  }

  private async route({ req, path }: AdminRequest): Promise<{ status: number; body: unknown }> {
    const gate = this.gate;
    if (!gate) throw new GatewayError(404, 'not_found', 'approvals are disabled on this gateway');
    if (path === ADMIN_APPROVALS_PATH) {
      if (req.method !== 'GET') throw new GatewayError(405, 'method_not_allowed', `use GET ${ADMIN_APPROVALS_PATH}`);
      req.resume();
      const status = new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 'pending';
      if (status !== 'all' && !APPROVAL_STATUSES.includes(status as ApprovalStatus)) {
        throw new GatewayError(400, 'invalid_request', `status must be one of ${[...APPROVAL_STATUSES, 'all'].join(', ')}`);
      }
      const list = await gate.list(status === 'all' ? undefined : (status as ApprovalStatus));
      return { status: 200, body: { data: list.map(approvalJson) } };
    }
    const match = ACTION_PATH.exec(path);
    if (!match) {
      const id = /^\/api\/v1\/approvals\/([A-Za-z0-9_-]{1,100})$/.exec(path)?.[1];
      if (id && req.method === 'GET') {
        req.resume();
        const found = await gate.get(id);
        if (!found) throw new GatewayError(404, 'not_found', `no approval ${id}`);
        return { status: 200, body: approvalJson(found) };
      }
      throw new GatewayError(404, 'not_found', `no route ${req.method ?? ''} ${path.slice(0, 200)}`);
    }
    if (req.method !== 'POST') throw new GatewayError(405, 'method_not_allowed', `use POST ${path}`);
    const [, id, verb] = match as unknown as [string, string, 'approve' | 'reject'];
    const { reason, by } = await readDecisionBody(req);
    const result = await gate.decide(id, verb === 'approve' ? 'approved' : 'rejected', by ?? 'admin', reason);
    if (!result.ok) {
      if (result.error === 'not_found') throw new GatewayError(404, 'not_found', `no approval ${id}`);
      throw new GatewayError(409, 'already_decided', `approval ${id} is already ${result.approval.status}`);
    }
    this.logger.info({ approvalId: id, requestId: result.approval.requestId, status: result.approval.status, by: result.approval.decidedBy }, 'approval decided');
    return { status: 200, body: approvalJson(result.approval) };
  }
}

/** The optional `{"reason", "by"}` of approve/reject; an empty body is fine (curl -X POST). */
async function readDecisionBody(req: IncomingMessage): Promise<{ reason?: string; by?: string }> {
  checkContentType(req.headers['content-type']);
  const bytes = await readBody(req, MAX_ADMIN_BODY_BYTES);
  if (bytes.length === 0) return {};
  const body = parseJsonBody(bytes);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new GatewayError(400, 'invalid_request', 'body must be a JSON object like {"reason": "..."}');
  const out: { reason?: string; by?: string } = {};
  for (const field of ['reason', 'by'] as const) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length > MAX_REASON_LENGTH) throw new GatewayError(400, 'invalid_request', `${field} must be a string of at most ${MAX_REASON_LENGTH} characters`);
    out[field] = value;
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
