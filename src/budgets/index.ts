export { DEFAULT_LEASE_MS, enforce, release, settle } from './enforce.js';
export type { ActualUsage, EnforceOptions, EnforceResult, RateLimitInfo, Reservation } from './enforce.js';
export { spendKey, storeClaim, utcDay } from './counter-keys.js';
export { KEY_POLICY, keyClaims, parseBudgetDuration, rulesCountKeyRequests } from './key-claims.js';
export type { KeyLimits } from './key-claims.js';
