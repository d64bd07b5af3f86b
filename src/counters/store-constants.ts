// Tuning shared by both adapters, so they expire and hint identically.

/** Extra life for keys and reservation records past their logical end (late settles read 'expired'). */
export const GRACE_MS = 60_000;

/** How long a `none`-window counter (session, mission totals) survives without activity. */
export const IDLE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** Upper bound of retryAfterMs when only in-flight reservations block a claim. */
export const MAX_LEASE_HINT_MS = 1000;
