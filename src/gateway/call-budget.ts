// The budget step of a gateway call: one atomic reservation before the upstream (the
// decision's claims plus the key's own limits), then a settle to the actual usage or a release.
import { type Reservation, enforce, keyClaims, release as releaseReservation, settle as settleReservation } from '../budgets/index.js';
import type { CounterStore } from '../counters/counter-store.js';
import type { Decision } from '../engine/types.js';
import type { Authenticated } from './auth.js';
import { GatewayError, decisionMessage } from './errors.js';
import { RefusedError } from './refusals.js';
import type { CompletionRecord, GatewayLogger } from './types.js';

export interface BudgetDeps {
  counters: CounterStore;
  /** The injected clock's reading for this step. */
  now: number;
  leaseMs?: number;
  logger: GatewayLogger;
  /**
   * Set when the counter store is shared by several gateways: the key's requests per minute
   * are then reserved there too (`defaultRpm` for keys without their own `rpm_limit`).
   */
  requests?: { defaultRpm?: number };
}

/**
 * Reserves the decision's claims (and the key's own `max_budget` / `tpm_limit`) in one
 * atomic step; a refusal answers 429 (503 when the store is down and a rule fails closed).
 */
export async function reserveCall(decision: Decision, auth: Authenticated, record: CompletionRecord, headersOut: Record<string, string>, deps: BudgetDeps): Promise<Reservation | undefined> {
  const own = keyClaims(auth.record, decision, deps.requests);
  const full = own.length ? { ...decision, claims: [...decision.claims, ...own] } : decision;
  if (full.claims.length === 0) return undefined;
  const result = await enforce(full, deps.counters, { now: deps.now, ...(deps.leaseMs !== undefined ? { leaseMs: deps.leaseMs } : {}) });
  if (!result.ok) {
    record.decision = result.decision;
    const refused = result.decision;
    const headers: Record<string, string> = {};
    if (refused.retryAfterSeconds !== undefined) headers['retry-after'] = String(refused.retryAfterSeconds);
    // Waiting will not help (a spent session total), or not within a client's retry loop
    // (a daily budget): tell the official SDKs not to retry at once.
    if (result.status === 429 && (refused.retryAfterSeconds === undefined || refused.retryAfterSeconds > 60)) headers['x-should-retry'] = 'false';
    throw new RefusedError(refused, new GatewayError(result.status, refused.code ?? 'budget_exceeded', decisionMessage(refused), null, headers));
  }
  if (result.rateLimit) {
    headersOut['ratelimit-limit'] = String(result.rateLimit.limit);
    headersOut['ratelimit-remaining'] = String(result.rateLimit.remaining);
    headersOut['ratelimit-reset'] = String(result.rateLimit.resetSeconds);
  }
  if (result.unmetered) {
    record.counters = { outcome: 'unmetered', detail: result.unmetered };
    deps.logger.warn({ requestId: record.requestId, detail: result.unmetered }, 'call not metered');
  }
  return result.reservation ?? undefined;
}

/** Settles to the actual usage once the upstream answered; releases when it failed or the client left before any usage. */
export async function finishCall(record: CompletionRecord, reservation: Reservation, deps: BudgetDeps): Promise<void> {
  const now = deps.now;
  const answered = record.upstreamStatus !== undefined && record.upstreamStatus < 400;
  try {
    if (answered && (record.usage !== undefined || !record.clientAborted)) {
      const tokens = record.usage ? record.usage.inputTokens + record.usage.outputTokens : null;
      await settleReservation(reservation, { costUsd: record.usage ? record.costUsd : null, tokens, toolCalls: record.toolCalls ?? 0 }, now);
      record.counters = { outcome: 'settled' };
    } else {
      await releaseReservation(reservation, now);
      record.counters = { outcome: 'released' };
    }
  } catch (err) {
    // The lease gives the amount back on its own; the call itself already happened.
    record.counters = { outcome: 'error', detail: (err as Error).message };
    deps.logger.warn({ requestId: record.requestId, err: (err as Error).message }, 'counter settle failed');
  }
}
