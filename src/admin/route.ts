import type { ApprovalGate } from '../approvals/approval-gate.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Tenant } from '../engine/types.js';
import type { OrgPolicyRegistry } from '../policies-live/org-policy-registry.js';
import type { Store } from '../store/store.js';
import type { StoreKeyResolver } from './key-resolver.js';
import type { Access, Principal } from './principal.js';
import type { ViolationNotifier } from './violation-webhooks.js';

export interface AdminLogger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** What every route may use. */
export interface AdminDeps {
  store: Store;
  registry: OrgPolicyRegistry;
  keys: StoreKeyResolver;
  /** Resolves a virtual key (config-file or stored) to its tenant; a string is why it may not be used. */
  authenticateKey: (secret: string) => Promise<Tenant | string | undefined>;
  violations: ViolationNotifier;
  logger: AdminLogger;
  now: () => number;
  /** The gateway's approval gate, once attached; undefined when approvals are off. */
  approvals?: () => ApprovalGate | undefined;
}

/** The caller: an admin token's principal, or for SDK endpoints a virtual key's tenant. */
export type Caller = { kind: 'admin'; principal: Principal } | { kind: 'key'; tenant: Tenant };

/** `D`: what the route uses; the admin API gives every route all of AdminDeps. */
export interface RouteContext<D = AdminDeps> {
  req: IncomingMessage;
  res: ServerResponse;
  caller: Caller;
  /** Path parameters, decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  deps: D;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * `admin`: an admin token with `access`; `key`: a virtual key (SDK endpoints);
 * `key-or-admin`: either (events ingest).
 */
export type Auth = { by: 'admin'; access: Access; teamScoped?: boolean } | { by: 'key' } | { by: 'key-or-admin'; access: Access };

export interface RouteDef<D = AdminDeps> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/api/v1/keys/:id`. */
  path: string;
  auth: Auth;
  /** Returns the reply, or nothing when it wrote the response itself (streams). */
  handle(ctx: RouteContext<D>): Promise<Reply | undefined>;
}

/** The principal of an admin-token caller (routes with `by: 'admin'` always have one). */
export function principalOf(ctx: Pick<RouteContext<unknown>, 'caller'>): Principal {
  if (ctx.caller.kind !== 'admin') throw new Error('route expected an admin caller');
  return ctx.caller.principal;
}

/** The org the caller acts in. */
export function orgOf(ctx: Pick<RouteContext<unknown>, 'caller'>): string {
  return ctx.caller.kind === 'admin' ? ctx.caller.principal.org : ctx.caller.tenant.org;
}
