import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { decisionRecord } from '../engine/decision-record.js';
import type { Decision, Tenant } from '../engine/types.js';
import { MemoryApprovalQueue } from './memory-approval-queue.js';
import type { Approval, ApprovalFilter, ApprovalQueue, ApprovalRequester, SettleResult, Settlement } from './types.js';
import { type NotifierLogger, type WebhookConfig, WebhookNotifier } from './webhooks.js';

export const DEFAULT_APPROVAL_TIMEOUT_MS = 15 * 60_000;
/**
 * A pending approval this long past its expiry whose call no process here holds (the
 * gateway holding it died) is expired by whichever gateway reads it next.
 */
const ORPHAN_GRACE_MS = 5_000;
/** A settlement the queue could not record (database down) is tried again after this. */
const RETRY_MS = 1_000;

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
  org: string;
  resolve: (approval: Approval) => void;
  timer: NodeJS.Timeout | undefined;
  /** Set once the record exists: the call is then held (listed, decidable). */
  approval?: Approval;
}

/** `held`: a call now waits for a human (its record exists); `released`: a held call goes on (settled here or elsewhere). */
export interface ApprovalGateEvents {
  held: [approval: Approval];
  released: [approval: Approval];
}

/**
 * Holds escalated calls until a human decides. The queue keeps the records; the waiters
 * (one promise per held HTTP request) live here, in the process that holds the socket. With
 * a queue shared by several processes, a decision made in another one reaches the waiter
 * through the queue (`onSettledElsewhere`); webhooks go out from the process that made the
 * change, so each event is announced once.
 */
export class ApprovalGate extends EventEmitter<ApprovalGateEvents> {
  readonly queue: ApprovalQueue;
  private readonly timeoutMs: number;
  private readonly notifier: WebhookNotifier;
  private readonly waiters = new Map<string, Waiter>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly logger: NotifierLogger | undefined;
  private publicUrl: string;
  private readonly fixedUrl: boolean;
  /** Deliveries in flight, so tests and shutdown can wait for them. */
  private readonly deliveries = new Set<Promise<void>>();

  constructor(options: ApprovalGateOptions = {}) {
    super();
    this.queue = options.queue ?? new MemoryApprovalQueue();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => `apr_${randomBytes(12).toString('hex')}`);
    this.logger = options.logger;
    this.publicUrl = options.publicUrl ?? 'http://127.0.0.1:8080';
    this.fixedUrl = options.publicUrl !== undefined;
    this.notifier = new WebhookNotifier(options.webhooks ?? [], {
      publicUrl: () => this.publicUrl,
      ...(options.webhookTimeoutMs !== undefined ? { timeoutMs: options.webhookTimeoutMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    // Settled by another process: the call held here moves on; that process announced it.
    this.queue.onSettledElsewhere?.((approval) => this.release(approval.id, approval));
  }

  /** Told by the server once it listens; a configured public URL wins. */
  setListeningUrl(url: string): void {
    if (!this.fixedUrl) this.publicUrl = url;
  }

  /** Resolves with the settled approval: approved, rejected, expired or cancelled. */
  async hold(input: HoldInput): Promise<Approval> {
    const id = this.newId();
    const createdAt = this.now();
    const org = input.tenant.org;
    // The waiter exists before the record does, so a decision can never find no one waiting.
    const settled = new Promise<Approval>((resolve) => this.waiters.set(id, { org, resolve, timer: undefined }));
    const onAbort = () => this.settleSoon(id, () => ({ status: 'cancelled', at: this.now(), reason: 'the client disconnected' }));
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
        waiter.approval = approval;
        waiter.timer = setTimeout(() => this.settleSoon(id, () => ({ status: 'expired', at: this.now(), reason: `no decision within ${Math.round(this.timeoutMs / 1000)} s` })), this.timeoutMs);
      }
      if (input.signal.aborted) onAbort();
      else input.signal.addEventListener('abort', onAbort, { once: true });
      this.track(this.notifier.notify('approval.requested', approval));
      if (waiter && this.waiters.has(id)) this.emit('held', approval);
      return await settled;
    } catch (err) {
      this.drop(id);
      throw err;
    } finally {
      input.signal.removeEventListener('abort', onAbort);
    }
  }

  /** A human's decision from the admin API; `org` scopes it to the caller's tenant. */
  decide(id: string, status: 'approved' | 'rejected', by: string, reason?: string, org?: string): Promise<SettleResult> {
    return this.settle(id, { status, at: this.now(), by, ...(reason !== undefined ? { reason } : {}) }, org);
  }

  async get(id: string, org?: string): Promise<Approval | undefined> {
    const found = await this.queue.get(id, org);
    return found ? (await this.expireOrphans([found]))[0] : undefined;
  }

  async list(filter: ApprovalFilter = {}): Promise<Approval[]> {
    const found = await this.expireOrphans(await this.queue.list(filter));
    return filter.status ? found.filter((a) => a.status === filter.status) : found;
  }

  /** Calls this process holds for a human right now (the `warden_approvals_pending` gauge). */
  get heldCount(): number {
    let count = 0;
    for (const waiter of this.waiters.values()) if (waiter.approval) count++;
    return count;
  }

  /** The approvals of the calls held here, oldest first. */
  held(): Approval[] {
    return [...this.waiters.values()].flatMap((w) => (w.approval ? [w.approval] : []));
  }

  /** Resolves (with `held()`) once at least `count` calls are held here: tests wait on this, not on a poll. */
  whenHeld(count = 1): Promise<Approval[]> {
    if (this.heldCount >= count) return Promise.resolve(this.held());
    return new Promise((resolve) => {
      const check = () => {
        if (this.heldCount < count) return;
        this.off('held', check);
        resolve(this.held());
      };
      this.on('held', check);
    });
  }

  /** Waits for webhook deliveries in flight (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.deliveries]);
  }

  /** Releases every held request as cancelled: the server is going away. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.waiters.entries()].map(async ([id, waiter]) => {
        const cancelled: Settlement = { status: 'cancelled', at: this.now(), reason: 'the gateway is shutting down' };
        try {
          await this.settle(id, cancelled, waiter.org);
        } catch (err) {
          // The store is unreachable: answer the call anyway; the record stays pending until another gateway expires it.
          this.logger?.warn({ approvalId: id, err: (err as Error).message }, 'could not record the cancelled approval');
          if (waiter.approval) this.release(id, { ...waiter.approval, status: 'cancelled', decidedAt: cancelled.at, resolutionReason: cancelled.reason as string });
        }
      }),
    );
    await this.flush();
  }

  private async settle(id: string, settlement: Settlement, org: string | undefined): Promise<SettleResult> {
    const result = await this.queue.settle(id, settlement, org);
    if (result.ok) {
      this.release(id, result.approval);
      this.track(this.notifier.notify(`approval.${settlement.status}`, result.approval));
    } else if (result.error === 'already_decided') {
      // Settled elsewhere (a shared store): the request held here still has to move on.
      this.release(id, result.approval);
    }
    return result;
  }

  /** A settlement of a held call made here (timeout, client gone): tried again until the queue records it. */
  private settleSoon(id: string, settlement: () => Settlement): void {
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    this.settle(id, settlement(), waiter.org).catch((err: unknown) => {
      const still = this.waiters.get(id);
      if (!still) return;
      this.logger?.warn({ approvalId: id, err: (err as Error).message }, 'could not settle the approval; trying again');
      if (still.timer) clearTimeout(still.timer);
      still.timer = setTimeout(() => this.settleSoon(id, settlement), RETRY_MS);
    });
  }

  /** Expires pending approvals long past their time that no process here holds (their gateway is gone). */
  private expireOrphans(approvals: Approval[]): Promise<Approval[]> {
    const now = this.now();
    return Promise.all(
      approvals.map(async (approval) => {
        if (approval.status !== 'pending' || this.waiters.has(approval.id) || now < approval.expiresAt + ORPHAN_GRACE_MS) return approval;
        try {
          const result = await this.settle(approval.id, { status: 'expired', at: now, reason: 'no decision in time, and the gateway holding the call is gone' }, approval.requester.org);
          return result.ok || result.error === 'already_decided' ? result.approval : approval;
        } catch {
          return approval;
        }
      }),
    );
  }

  private release(id: string, approval: Approval): void {
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    this.drop(id);
    waiter.resolve(approval);
    this.emit('released', approval);
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
