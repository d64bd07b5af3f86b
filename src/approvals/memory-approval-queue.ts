import type { Approval, ApprovalFilter, ApprovalQueue, NewApproval, SettleResult, Settlement } from './types.js';

/** Settled approvals kept for the listing before the oldest are dropped (pending ones are never dropped). */
const DEFAULT_MAX_SETTLED = 10_000;

/** Approvals in process memory: lost on restart, which is acceptable while held requests die with the process too. */
export class MemoryApprovalQueue implements ApprovalQueue {
  private readonly items = new Map<string, Approval>();
  private settledCount = 0;

  constructor(private readonly maxSettled = DEFAULT_MAX_SETTLED) {}

  async add(input: NewApproval): Promise<Approval> {
    if (this.items.has(input.id)) throw new Error(`approval ${input.id} already exists`);
    const approval: Approval = { ...input, status: 'pending' };
    this.items.set(approval.id, approval);
    return { ...approval };
  }

  async get(id: string, org?: string): Promise<Approval | undefined> {
    const found = this.items.get(id);
    return found && (org === undefined || found.requester.org === org) ? { ...found } : undefined;
  }

  async list(filter: ApprovalFilter = {}): Promise<Approval[]> {
    const out: Approval[] = [];
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    const all = [...this.items.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const item = all[i] as Approval;
      if (filter.status && item.status !== filter.status) continue;
      if (filter.org !== undefined && item.requester.org !== filter.org) continue;
      if (filter.team !== undefined && item.requester.team !== filter.team) continue;
      out.push({ ...item });
    }
    return out;
  }

  async settle(id: string, settlement: Settlement, org?: string): Promise<SettleResult> {
    const found = this.items.get(id);
    if (!found || (org !== undefined && found.requester.org !== org)) return { ok: false, error: 'not_found' };
    if (found.status !== 'pending') return { ok: false, error: 'already_decided', approval: { ...found } };
    found.status = settlement.status;
    found.decidedAt = settlement.at;
    if (settlement.by !== undefined) found.decidedBy = settlement.by;
    if (settlement.reason !== undefined) found.resolutionReason = settlement.reason;
    this.settledCount++;
    this.trim();
    return { ok: true, approval: { ...found } };
  }

  /** Drops the oldest settled approvals over the cap; Map order is insertion order. */
  private trim(): void {
    if (this.settledCount <= this.maxSettled) return;
    for (const [id, item] of this.items) {
      if (this.settledCount <= this.maxSettled) break;
      if (item.status === 'pending') continue;
      this.items.delete(id);
      this.settledCount--;
    }
  }
}
