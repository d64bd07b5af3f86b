import type { ApprovalGate } from '../approvals/approval-gate.js';
import { approvalRoutes } from './routes/approvals.js';
// The REST admin API under /api/v1/: one table of routes, each with the credential it
// takes (admin token with a role, or a virtual key for SDK endpoints). Errors are
// `{"error":{"code","message","field"?}}`; a request for another org's id is a 404,
// because for the caller it does not exist.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PolicyValidationError } from '../engine/errors.js';
import { StoreConflictError } from '../store/store-conflict-error.js';
import { StoreInputError } from '../store/store-input-error.js';
import { AdminError } from './admin-error.js';
import { sendError, sendJson } from './http-io.js';
import { AdminAuthenticator, authorize, bearer } from './principal.js';
import type { AdminDeps, AdminLogger, Auth, Caller, RouteContext, RouteDef } from './route.js';
import { auditRoutes } from './routes/audit.js';
import { configRoutes } from './routes/config.js';
import { eventRoutes } from './routes/events.js';
import { keyRoutes } from './routes/keys.js';
import { orgPolicyRoutes } from './routes/org-policies.js';
import { policyDocumentRoutes } from './routes/policy-documents.js';
import { tenantRoutes } from './routes/tenants.js';

export const ADMIN_ROUTES: readonly RouteDef[] = [...tenantRoutes, ...keyRoutes, ...orgPolicyRoutes, ...policyDocumentRoutes, ...auditRoutes, ...eventRoutes, ...configRoutes, ...approvalRoutes];

interface CompiledRoute<D> {
  def: RouteDef<D>;
  pattern: RegExp;
  names: string[];
}

function compileRoute<D>(def: RouteDef<D>): CompiledRoute<D> {
  const names: string[] = [];
  const source = def.path.replace(/:([a-z]+)/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { def, pattern: new RegExp(`^${source}$`), names };
}

export interface AdminApiOptions extends AdminDeps {
  /** WARDEN_ADMIN_TOKEN: stored as the first owner at startup; the operator credential. */
  bootstrapToken?: string;
}

export interface AdminHttpRequest {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  /** Headers every response carries (x-request-id, ...). */
  headers: Record<string, string>;
  /** Counts a failed authentication against the client's address (throws when it is over its limit). */
  guard?: (failed: boolean) => void;
}

/** An error thrown by a guard from the gateway: status, code and headers are all that is read. */
interface StatusError {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

function isStatusError(err: unknown): err is StatusError {
  return typeof err === 'object' && err !== null && typeof (err as StatusError).status === 'number' && typeof (err as StatusError).code === 'string';
}

export interface AdminRouterOptions<D> {
  routes: readonly RouteDef<D>[];
  /** What the routes use (`ctx.deps`). */
  deps: D;
  /** The caller a route's `auth` asks for; throws the 401 or 403. */
  authenticate(auth: Auth, req: IncomingMessage): Promise<Caller>;
  logger: AdminLogger;
}

/**
 * A table of routes served over HTTP: match, authenticate, run, answer; every error as
 * `{"error":{"code","message","field"?}}`. The admin API is one; a gateway embedded without
 * it serves the approval routes through another, with its one admin token.
 */
export class AdminRouter<D> {
  private readonly routes: CompiledRoute<D>[];

  constructor(private readonly options: AdminRouterOptions<D>) {
    this.routes = options.routes.map((def) => compileRoute(def));
  }

  async handle(input: AdminHttpRequest): Promise<void> {
    const { req, res, path, headers } = input;
    try {
      const { route, params } = this.match(req.method ?? 'GET', path);
      input.guard?.(false);
      let caller: Caller;
      try {
        caller = await this.options.authenticate(route.def.auth, req);
      } catch (err) {
        if (isStatusError(err) && err.status === 401) {
          req.resume();
          input.guard?.(true);
        }
        throw err;
      }
      const ctx: RouteContext<D> = { req, res, caller, params, query: new URL(req.url ?? '/', 'http://x').searchParams, deps: this.options.deps };
      const reply = await route.def.handle(ctx);
      if (!reply) return;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      if (!req.complete) req.resume();
      if (reply.body === undefined) {
        res.writeHead(reply.status, { ...reply.headers }).end();
      } else {
        sendJson(res, reply.status, reply.body, reply.headers);
      }
    } catch (err) {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const error = this.toAdminError(err);
      // An unread body would be taken for the next request on a kept-alive connection.
      const extra: Record<string, string> = { ...headers, ...(isStatusError(err) && err.headers ? err.headers : {}) };
      if (!req.complete) extra.connection = 'close';
      sendError(res, error, extra);
    }
  }

  private match(method: string, path: string): { route: CompiledRoute<D>; params: Record<string, string> } {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.def.method !== method) continue;
      const params: Record<string, string> = {};
      try {
        route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] as string)));
      } catch {
        throw new AdminError(400, 'invalid_request', 'the path is not valid percent-encoding', 'path');
      }
      return { route, params };
    }
    if (pathMatched) throw new AdminError(405, 'method_not_allowed', `${method} is not supported on ${path.slice(0, 200)}`);
    throw new AdminError(404, 'not_found', `no route ${method} ${path.slice(0, 200)}`);
  }

  private toAdminError(err: unknown): AdminError {
    if (err instanceof AdminError) return err;
    if (err instanceof StoreConflictError) return new AdminError(409, 'conflict', err.message);
    if (err instanceof StoreInputError) return new AdminError(400, 'invalid_request', err.message, /cursor/i.test(err.message) ? 'cursor' : undefined);
    if (err instanceof PolicyValidationError) return new AdminError(400, 'invalid_policy', err.message, err.issues[0]?.path, { issues: err.issues });
    if (isStatusError(err)) return new AdminError(err.status, err.code, err.message);
    this.options.logger.error({ err: (err as Error)?.message }, 'admin request failed');
    return new AdminError(500, 'internal_error', 'internal error in the Warden admin API');
  }
}

/** The REST admin API: every route of ADMIN_ROUTES, with stored admin tokens and their roles. */
export class AdminHttpApi {
  private readonly router: AdminRouter<AdminDeps>;
  private readonly authenticator: AdminAuthenticator;

  private gate: ApprovalGate | undefined;

  constructor(private readonly options: AdminApiOptions) {
    this.authenticator = new AdminAuthenticator(options.store, options.bootstrapToken);
    this.router = new AdminRouter<AdminDeps>({
      routes: ADMIN_ROUTES,
      deps: { ...options, approvals: () => this.gate },
      authenticate: (auth, req) => this.authenticate(auth, req),
      logger: options.logger,
    });
  }

  /** Serves `/api/v1/approvals` from the gateway's gate, with the roles of stored admin tokens. */
  attachApprovals(gate: ApprovalGate | undefined): void {
    this.gate = gate;
  }

  /** The paths this API answers (the gateway routes the rest of `/api/v1/` here too). */
  handles(path: string): boolean {
    return path.startsWith('/api/v1/');
  }

  handle(input: AdminHttpRequest): Promise<void> {
    return this.router.handle(input);
  }

  private async authenticate(auth: Auth, req: IncomingMessage): Promise<Caller> {
    if (auth.by === 'admin') {
      const principal = await this.authenticator.authenticate(req.headers);
      authorize(principal, auth.access, auth.teamScoped ?? false);
      return { kind: 'admin', principal };
    }
    if (auth.by === 'key-or-admin') {
      try {
        const principal = await this.authenticator.authenticate(req.headers);
        authorize(principal, auth.access, false);
        return { kind: 'admin', principal };
      } catch (err) {
        if (!(err instanceof AdminError) || err.status !== 401) throw err;
      }
    }
    const secret = bearer(req.headers) ?? (typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'].trim() : undefined);
    if (!secret) throw new AdminError(401, 'unauthorized', 'send a Warden virtual key as Authorization: Bearer <key>');
    const tenant = await this.options.authenticateKey(secret);
    if (typeof tenant === 'string') throw new AdminError(401, 'unauthorized', tenant);
    if (!tenant) throw new AdminError(401, 'unauthorized', 'invalid Warden virtual key');
    return { kind: 'key', tenant };
  }
}
