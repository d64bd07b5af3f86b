import type { ApiKey } from './store.js';

export type KeyStatus = 'active' | 'revoked' | 'expired';

/** Whether a stored key may authenticate at `now` (ms since epoch): the gateway's check after `findKeyByHash`. */
export function keyStatus(key: Pick<ApiKey, 'revoked_at' | 'expires_at'>, now: number): KeyStatus {
  if (key.revoked_at !== null) return 'revoked';
  if (key.expires_at !== null && Date.parse(key.expires_at) <= now) return 'expired';
  return 'active';
}
