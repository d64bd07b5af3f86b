import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from './errors.js';

/** Longest credential hashed; anything longer is refused without work. */
const MAX_TOKEN_LENGTH = 512;

/**
 * The admin credential (`WARDEN_ADMIN_TOKEN`). Only its SHA-256 is kept; the presented
 * token is hashed and compared in constant time, so neither length nor prefix leaks.
 */
export class AdminAuth {
  private readonly digest: Buffer | undefined;

  constructor(token: string | undefined) {
    this.digest = token ? createHash('sha256').update(token, 'utf8').digest() : undefined;
  }

  get configured(): boolean {
    return this.digest !== undefined;
  }

  /** The error to answer with, or undefined when the caller is the admin. */
  check(headers: IncomingHttpHeaders): GatewayError | undefined {
    if (!this.digest) {
      return new GatewayError(403, 'admin_disabled', 'the admin API is disabled: start Warden with WARDEN_ADMIN_TOKEN set (option adminToken)');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
    const token = match?.[1];
    if (!token || token.length > MAX_TOKEN_LENGTH) {
      return new GatewayError(401, 'unauthorized', 'send the admin token as Authorization: Bearer <WARDEN_ADMIN_TOKEN>');
    }
    const presented = createHash('sha256').update(token, 'utf8').digest();
    if (!timingSafeEqual(presented, this.digest)) return new GatewayError(401, 'unauthorized', 'invalid admin token');
    return undefined;
  }
}
