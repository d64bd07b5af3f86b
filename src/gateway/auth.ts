import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Tenant } from '../engine/types.js';
import type { KeyRecord } from './types.js';

/** Hex SHA-256 of a virtual key's secret: what the config file stores. */
export function hashVirtualKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Longest credential considered; anything longer is not a Warden key and is not hashed. */
const MAX_KEY_LENGTH = 512;
/** How much of the presented key rules may see (`key_environment_check` prefixes). */
const KEY_PREFIX_LENGTH = 16;

export interface Authenticated {
  record: KeyRecord;
  tenant: Tenant;
}

/** The credential from `Authorization: Bearer` or `x-api-key` (the two official SDKs' habits). */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey ? apiKey.trim() : undefined;
}

/**
 * Resolves virtual keys by the hash of the presented secret. The map lookup narrows to a
 * candidate; the final comparison is constant-time, and a miss compares against a dummy so
 * a wrong key costs the same as a right one.
 */
export class KeyRing {
  private readonly byHash = new Map<string, { record: KeyRecord; digest: Buffer; tenant: Omit<Tenant, 'keyPrefix'>; authenticated?: Authenticated }>();
  private readonly dummy = Buffer.alloc(32);

  constructor(keys: readonly KeyRecord[]) {
    for (const record of keys) {
      const hex = record.sha256.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`key ${record.id}: sha256 must be 64 hex characters`);
      const tenant: Omit<Tenant, 'keyPrefix'> = { org: record.org, keyId: record.id };
      if (record.team !== undefined) tenant.team = record.team;
      if (record.user !== undefined) tenant.user = record.user;
      if (record.environment !== undefined) tenant.environment = record.environment;
      if (record.role !== undefined) tenant.role = record.role;
      this.byHash.set(hex, { record, digest: Buffer.from(hex, 'hex'), tenant });
    }
  }

  authenticate(secret: string | undefined): Authenticated | undefined {
    if (!secret || secret.length > MAX_KEY_LENGTH) return undefined;
    const digest = createHash('sha256').update(secret, 'utf8').digest();
    const entry = this.byHash.get(digest.toString('hex'));
    const same = timingSafeEqual(digest, entry?.digest ?? this.dummy);
    if (!entry || !same) return undefined;
    // One frozen answer per key (its prefix is the same for every request): the engine caches
    // each tenant's rules by the tenant object, so a fresh object per request would miss.
    entry.authenticated ??= Object.freeze({ record: entry.record, tenant: Object.freeze({ ...entry.tenant, keyPrefix: secret.slice(0, Math.min(KEY_PREFIX_LENGTH, secret.length - 1)) }) });
    return entry.authenticated;
  }
}
