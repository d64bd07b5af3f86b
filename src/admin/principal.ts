// Who is calling the admin API. Admin tokens live in the store (only their SHA-256) with a
// role in one org; WARDEN_ADMIN_TOKEN bootstraps the first owner and is also the operator
// credential that may create orgs.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AdminRole, Store } from '../store/store.js';
import { AdminError, forbidden } from './admin-error.js';

export const BOOTSTRAP_ORG = 'default';
const MAX_TOKEN_LENGTH = 512;

export interface Principal {
  org: string;
  role: AdminRole;
  /** The team a `team-admin` administers; null for the other roles. */
  team: string | null;
  tokenId: string;
  /** The bootstrap token: may list and create orgs. */
  operator: boolean;
  /**
   * The one admin token of a gateway embedded without the admin API (no store, no roles):
   * it sees and decides every org's approvals, and `org` means nothing.
   */
  allOrgs?: boolean;
}

/** What a route needs: `read` (every role), `write` (owner, admin), `owner`, `operator`. */
export type Access = 'read' | 'write' | 'owner' | 'operator';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function newAdminTokenSecret(): string {
  return `wdn_admin_${randomBytes(24).toString('base64url')}`;
}

export function bearer(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  const token = match?.[1];
  return token && token.length <= MAX_TOKEN_LENGTH ? token : undefined;
}

/** Stores the bootstrap token as an owner of the `default` org, once. */
export async function bootstrapOwner(store: Store, token: string): Promise<void> {
  const hash = sha256Hex(token);
  if (await store.findAdminTokenByHash(hash)) return;
  if (!(await store.getOrg(BOOTSTRAP_ORG))) {
    await store.createOrg({ id: BOOTSTRAP_ORG, name: 'Default organization' }).catch(async (err: unknown) => {
      // Another process sharing the database created it first.
      if (!(await store.getOrg(BOOTSTRAP_ORG))) throw err;
    });
  }
  await store.createAdminToken(BOOTSTRAP_ORG, { name: 'WARDEN_ADMIN_TOKEN', token_sha256: hash, role: 'owner' }).catch(async (err: unknown) => {
    if (!(await store.findAdminTokenByHash(hash))) throw err;
  });
}

export class AdminAuthenticator {
  private readonly operatorDigest: Buffer | undefined;

  constructor(
    private readonly store: Pick<Store, 'findAdminTokenByHash'>,
    bootstrapToken: string | undefined,
  ) {
    this.operatorDigest = bootstrapToken ? createHash('sha256').update(bootstrapToken, 'utf8').digest() : undefined;
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
    const token = bearer(headers);
    if (!token) throw new AdminError(401, 'unauthorized', 'send an admin token as Authorization: Bearer <token>');
    const digest = createHash('sha256').update(token, 'utf8').digest();
    const found = await this.store.findAdminTokenByHash(digest.toString('hex'));
    if (!found || found.revoked_at !== null) throw new AdminError(401, 'unauthorized', found ? 'this admin token was revoked' : 'invalid admin token');
    const operator = this.operatorDigest !== undefined && timingSafeEqual(digest, this.operatorDigest);
    return { org: found.org, role: found.role, team: found.team, tokenId: found.id, operator };
  }
}

/** Refuses (403) a principal whose role does not reach `access`; team admins only where a route allows them. */
export function authorize(principal: Principal, access: Access, teamScoped: boolean): void {
  if (access === 'operator') {
    if (!principal.operator) throw forbidden('only the operator token (WARDEN_ADMIN_TOKEN) may manage organizations');
    return;
  }
  const { role } = principal;
  if (role === 'team-admin' && !teamScoped) throw forbidden('a team-admin token may only manage its own team\'s keys and read its audit records');
  if (access === 'read') return;
  if (role === 'viewer') throw forbidden('a viewer token is read-only');
  if (access === 'owner' && role !== 'owner' && role !== 'admin') throw forbidden('only owners and admins manage admin tokens');
}
