// Approvals kept in the Store, so every gateway process on one database lists them and any
// of them can decide one. The call itself stays held by the process that received it; this
// queue tells that process when another one settled it: at once over Postgres NOTIFY when
// there is a channel, and by a poll of the approvals it holds (every `pollMs`) always, which
// is all SQLite has and what catches a notification missed while reconnecting.
import type { NotifyChannel } from '../store/postgres/pg-notify.js';
import type { Approval as StoredApproval, Store } from '../store/store.js';
import type { Approval, ApprovalFilter, ApprovalQueue, NewApproval, SettleResult, Settlement } from './types.js';

export const DEFAULT_APPROVAL_POLL_MS = 1_000;
/** Listings answer at most this many approvals (newest first). */
const LIST_LIMIT = 1_000;
/** Held approvals re-read per query. */
const READ_BATCH = 500;

export type ApprovalStore = Pick<Store, 'createApproval' | 'getApproval' | 'listApprovals' | 'decideApproval'>;

export interface StoreApprovalQueueOptions {
  store: ApprovalStore;
  /** Postgres NOTIFY between processes; without it, the poll alone carries decisions. */
  channel?: NotifyChannel;
  /** How often the approvals held here are re-read while any are held, in ms; default 1000. 0 = never. */
  pollMs?: number;
  logger?: { warn(obj: Record<string, unknown>, msg?: string): void };
}

/** What the `record` column holds: the approval as the gate made it, besides the indexed columns. */
type StoredRecord = Pick<Approval, 'route' | 'requester' | 'model' | 'estimatedCostUsd' | 'decision' | 'createdAt' | 'expiresAt'>;

/** The notification payload: which approval was settled. */
interface Notice {
  org: string;
  id: string;
}

function requireOrg(org: string | undefined): string {
  if (org === undefined) throw new Error('approvals kept in the store are read one org at a time: pass the org');
  return org;
}

function fromStore(row: StoredApproval): Approval {
  const record = row.record as StoredRecord;
  const approval: Approval = {
    id: row.id,
    status: row.status,
    requestId: row.request_id,
    route: record.route,
    requester: record.requester,
    model: record.model,
    estimatedCostUsd: record.estimatedCostUsd,
    decision: record.decision,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
  };
  if (row.decided_at !== null) approval.decidedAt = Date.parse(row.decided_at);
  if (row.decided_by !== null) approval.decidedBy = row.decided_by;
  if (row.reason !== null) approval.resolutionReason = row.reason;
  return approval;
}

export class StoreApprovalQueue implements ApprovalQueue {
  private readonly store: ApprovalStore;
  private readonly pollMs: number;
  /** Approvals added here and not known to be settled: id → org. What the poll re-reads. */
  private readonly open = new Map<string, string>();
  private listener: ((approval: Approval) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: StoreApprovalQueueOptions) {
    this.store = options.store;
    this.pollMs = options.pollMs ?? DEFAULT_APPROVAL_POLL_MS;
    options.channel?.subscribe((payload) => this.heard(payload));
  }

  async add(input: NewApproval): Promise<Approval> {
    const { requester } = input;
    const record: StoredRecord = {
      route: input.route,
      requester,
      model: input.model,
      estimatedCostUsd: input.estimatedCostUsd,
      decision: input.decision,
      createdAt: input.createdAt,
      expiresAt: input.expiresAt,
    };
    const row = await this.store.createApproval(requester.org, {
      id: input.id,
      request_id: input.requestId,
      team: requester.team ?? null,
      record,
      expires_at: new Date(input.expiresAt).toISOString(),
    });
    this.open.set(input.id, requester.org);
    this.startPolling();
    return fromStore(row);
  }

  async get(id: string, org?: string): Promise<Approval | undefined> {
    const row = await this.store.getApproval(requireOrg(org), id);
    return row ? fromStore(row) : undefined;
  }

  async list(filter: ApprovalFilter = {}): Promise<Approval[]> {
    const rows = await this.store.listApprovals(requireOrg(filter.org), {
      ...(filter.status !== undefined ? { status: filter.status } : {}),
      ...(filter.team !== undefined ? { team: filter.team } : {}),
      limit: Math.min(filter.limit ?? LIST_LIMIT, LIST_LIMIT),
    });
    return rows.map(fromStore);
  }

  async settle(id: string, settlement: Settlement, org?: string): Promise<SettleResult> {
    const scope = requireOrg(org);
    const row = await this.store.decideApproval(scope, id, {
      status: settlement.status,
      decided_at: new Date(settlement.at).toISOString(),
      ...(settlement.by !== undefined ? { decided_by: settlement.by } : {}),
      ...(settlement.reason !== undefined ? { reason: settlement.reason } : {}),
    });
    this.open.delete(id);
    if (row) {
      // Tells the process holding the call (when it is another one) before the decider answers.
      await this.options.channel?.publish(JSON.stringify({ org: scope, id } satisfies Notice)).catch((err: unknown) => {
        this.options.logger?.warn({ approvalId: id, err: (err as Error).message }, 'approval notification failed; the holder\'s poll will see the decision');
      });
      return { ok: true, approval: fromStore(row) };
    }
    const current = await this.store.getApproval(scope, id);
    return current ? { ok: false, error: 'already_decided', approval: fromStore(current) } : { ok: false, error: 'not_found' };
  }

  onSettledElsewhere(listener: (approval: Approval) => void): void {
    this.listener = listener;
  }

  /** Re-reads every approval held here now (what the poll does); resolves when done. */
  poll(): Promise<void> {
    this.polling ??= this.check().finally(() => (this.polling = undefined));
    return this.polling;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  private startPolling(): void {
    if (this.timer || this.closed || this.pollMs <= 0) return;
    this.timer = setInterval(() => {
      if (!this.open.size) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      void this.poll();
    }, this.pollMs);
    this.timer.unref();
  }

  private heard(payload: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    // Own decisions and approvals held elsewhere need nothing.
    if (typeof notice?.id !== 'string' || this.open.get(notice.id) !== notice.org) return;
    void this.read(notice.org, [notice.id]);
  }

  private async check(): Promise<void> {
    const byOrg = new Map<string, string[]>();
    for (const [id, org] of this.open) byOrg.set(org, [...(byOrg.get(org) ?? []), id]);
    for (const [org, ids] of byOrg) {
      for (let i = 0; i < ids.length; i += READ_BATCH) await this.read(org, ids.slice(i, i + READ_BATCH));
    }
  }

  private async read(org: string, ids: string[]): Promise<void> {
    try {
      const rows = await this.store.listApprovals(org, { ids, limit: LIST_LIMIT });
      for (const row of rows) {
        if (row.status === 'pending' || this.open.get(row.id) !== org) continue;
        this.open.delete(row.id);
        this.listener?.(fromStore(row));
      }
    } catch (err) {
      this.options.logger?.warn({ org, err: (err as Error).message }, 'could not read the approvals held here; trying again at the next poll');
    }
  }
}
