import { randomBytes } from 'node:crypto';
import { decisionRecord } from '../engine/decision-record.js';
import type { Decision, Tenant } from '../engine/types.js';
import { MemoryApprovalQueue } from './memory-approval-queue.js';
import type { Approval, ApprovalQueue, ApprovalRequester, ApprovalStatus, SettleResult, Settlement } from './types.js';
import { type NotifierLogger, type WebhookConfig, WebhookNotifier } from './webhooks.js';

export const DEFAULT_APPROVAL_TIMEOUT_MS = 15 * 60_000;

export interface ApprovalGateOptions {
  queue?: ApprovalQueue;
  /** How long an escalated request waits for a human; default 15 minutes. */
  timeoutMs?: number;
  webhooks?: readonly WebhookConfig[];
  /** Bound on one webhook delivery; default 5 s. */
  webhookTimeoutMs?: number;
  /** Base URL approvers use in the curl hints; the gateway's listening URL by default. */
  publicUrl?: string;
  logger?: NotifierLogger;
  now?: () => number;
  newId?: () => string;
}

export interface HoldInput {
  decision: Decision;
  tenant: Tenant;
  route: string;
  model: string | undefined;
  /** Aborted when the client goes away: the approval is cancelled. */
  signal: AbortSignal;
}

interface Waiter {
  resolve: (approval: Approval) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Holds escalated calls until a human decides. The queue keeps the records; the waiters
 * (one promise per held HTTP request) live here, in the process that holds the socket.
 */
export class ApprovalGate {
  readonly queue: ApprovalQueue;
  private readonly timeoutMs: number;
  private readonly notifier: WebhookNotifier;
  private readonly waiters = new Map<string, Waiter>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private publicUrl: string;
  private readonly fixedUrl: boolean;
  /** Deliveries in flight, so tests and shutdown can wait for them. */
  private readonly deliveries = new Set<Promise<void>>();

  constructor(options: ApprovalGateOptions = {}) {
    this.queue = options.queue ?? new MemoryApprovalQueue();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => `apr_${randomBytes(12).toString('hex')}`);
    this.publicUrl = options.publicUrl ?? 'http://127.0.0.1:8080';
    this.fixedUrl = options.publicUrl !== undefined;
    this.notifier = new WebhookNotifier(options.webhooks ?? [], {
      publicUrl: () => this.publicUrl,
      ...(options.webhookTimeoutMs !== undefined ? { timeoutMs: options.webhookTimeoutMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  /** Told by the server once it listens; a configured public URL wins. */
  setListeningUrl(url: string): void {
    if (!this.fixedUrl) this.publicUrl = url;
  }

  /** Resolves with the settled approval: approved, rejected, expired or cancelled. */
  async hold(input: HoldInput): Promise<Approval> {
    const id = this.newId();
    const createdAt = this.now();
    // The waiter exists before the record does, so a decision can never find no one waiting.
    const settled = new Promise<Approval>((resolve) => this.waiters.set(id, { resolve, timer: undefined }));
    const onAbort = () => void this.settle(id, { status: 'cancelled', at: this.now(), reason: 'the client disconnected' });
    try {
      const approval = await this.queue.add({
        id,
        requestId: input.decision.requestId,
        route: input.route,
        requester: requester(input.tenant),
        model: input.model ?? null,
        estimatedCostUsd: input.decision.estimate.costUsd,
        decision: decisionRecord(input.decision),
        createdAt,
        expiresAt: createdAt + this.timeoutMs,
      });
      const waiter = this.waiters.get(id);
      if (waiter) {
        waiter.timer = setTimeout(() => void this.settle(id, { status: 'expired', at: this.now(), reason: `no decision within ${Math.round(this.timeoutMs / 1000)} s` }), this.timeoutMs);
      }
      if (input.signal.aborted) onAbort();
      else input.signal.addEventListener('abort', onAbort, { once: true });
      this.track(this.notifier.notify('approval.requested', approval));
      return await settled;
    } catch (err) {
      this.drop(id);
      throw err;
    } finally {
      input.signal.removeEventListener('abort', onAbort);
    }
  }

  /** A human's decision from the admin API. */
  decide(id: string, status: 'approved' | 'rejected', by: string, reason?: string): Promise<SettleResult> {
    return this.settle(id, { status, at: this.now(), by, ...(reason !== undefined ? { reason } : {}) });
  }

  get(id: string): Promise<Approval | undefined> {
    return this.queue.get(id);
  }

  list(status?: ApprovalStatus): Promise<Approval[]> {
    return this.queue.list(status ? { status } : {});
  }

  /** Waits for webhook deliveries in flight (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.deliveries]);
  }

  /** Releases every held request as cancelled: the server is going away. */
  async close(): Promise<void> {
    await Promise.all([...this.waiters.keys()].map((id) => this.settle(id, { status: 'cancelled', at: this.now(), reason: 'the gateway is shutting down' })));
    await this.flush();
  }

  private async settle(id: string, settlement: Settlement): Promise<SettleResult> {
    const result = await this.queue.settle(id, settlement);
    if (result.ok) {
      this.release(id, result.approval);
      this.track(this.notifier.notify(`approval.${settlement.status}`, result.approval));
    } else if (result.error === 'already_decided') {
      // Settled elsewhere (a shared store): the request held here still has to move on.
      this.release(id, result.approval);
    }
    return result;
  }

  private release(id: string, approval: Approval): void {
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    this.drop(id);
    waiter.resolve(approval);
  }

  private drop(id: string): void {
    const waiter = this.waiters.get(id);
    if (waiter?.timer) clearTimeout(waiter.timer);
    this.waiters.delete(id);
  }

  private track(delivery: Promise<void>): void {
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }
}

function requester(tenant: Tenant): ApprovalRequester {
  const out: ApprovalRequester = { org: tenant.org };
  if (tenant.team !== undefined) out.team = tenant.team;
  if (tenant.user !== undefined) out.user = tenant.user;
  if (tenant.keyId !== undefined) out.keyId = tenant.keyId;
  if (tenant.environment !== undefined) out.environment = tenant.environment;
  return out;
}
