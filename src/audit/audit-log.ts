// The one durable append path for audit records, with group commit: entries that arrive
// while a batch is waiting or being written share the next transaction (one fsync or one
// Postgres commit for many requests), and each `append()` resolves only after the
// transaction holding its entry has committed. The gateway can therefore await
// `append()` before it completes a response and know the record survives a crash.
import type { AuditEntry, AuditRecord, Store } from '../store/store.js';

export interface AuditLogOptions {
  /** Most entries in one transaction; default 512. A full batch is written at once. */
  maxBatch?: number;
  /**
   * How long the first entry of a batch waits for company, in ms. Default 0: write on the
   * next turn of the event loop. Entries of the same turn, and every entry that arrives
   * while a batch is being committed, still share a transaction, so batches grow with load
   * on their own; a wait only adds latency to a lone request (measured: 0.2 ms vs 0.9 ms
   * p50 at one in flight, the same throughput at 256). Raise it on disks with slow fsync.
   */
  maxDelayMs?: number;
}

export interface AuditLogStats {
  appended: number;
  failed: number;
  batches: number;
  /** Largest batch written so far. */
  largestBatch: number;
}

export interface AuditLog {
  /** Resolves with the chained record once it is durable; rejects when it could not be stored. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Resolves when everything appended so far has been written (or has failed). */
  flush(): Promise<void>;
  /** Flushes, then refuses further appends. Does not close the store. */
  close(): Promise<void>;
  stats(): AuditLogStats;
}

/** Thrown by `append()` after `close()`. */
export class AuditLogClosedError extends Error {
  readonly code = 'audit_log_closed';
  override readonly name = 'AuditLogClosedError';

  constructor() {
    super('the audit log is closed');
  }
}

interface Pending {
  entry: AuditEntry;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

export function createAuditLog(store: Pick<Store, 'appendAudit'>, options: AuditLogOptions = {}): AuditLog {
  const maxBatch = Math.max(1, options.maxBatch ?? 512);
  const maxDelayMs = Math.max(0, options.maxDelayMs ?? 0);
  let queue: Pending[] = [];
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  let closed = false;
  const stats: AuditLogStats = { appended: 0, failed: 0, batches: 0, largestBatch: 0 };

  function cancelTimer(): void {
    if (timer === null) return;
    if (maxDelayMs === 0) clearImmediate(timer as NodeJS.Immediate);
    else clearTimeout(timer as NodeJS.Timeout);
    timer = null;
  }

  function settle(batch: Pending[], records: AuditRecord[]): void {
    stats.appended += batch.length;
    batch.forEach((pending, index) => pending.resolve(records[index]!));
  }

  async function writeBatch(batch: Pending[]): Promise<void> {
    stats.batches += 1;
    stats.largestBatch = Math.max(stats.largestBatch, batch.length);
    try {
      settle(batch, await store.appendAudit(batch.map((p) => p.entry)));
      return;
    } catch (error) {
      if (batch.length === 1) {
        stats.failed += 1;
        batch[0]!.reject(error);
        return;
      }
    }
    // The batch is all-or-nothing; one bad entry (a replayed request id) must not fail the
    // requests it happened to share a transaction with, so each is retried on its own.
    for (const pending of batch) {
      try {
        settle([pending], await store.appendAudit([pending.entry]));
      } catch (error) {
        stats.failed += 1;
        pending.reject(error);
      }
    }
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      await writeBatch(batch);
    }
  }

  function kick(): void {
    cancelTimer();
    if (writing !== null) return; // the running drain picks the queue up when its batch commits
    writing = drain().finally(() => {
      writing = null;
      if (queue.length > 0) kick();
    });
  }

  function schedule(): void {
    if (queue.length >= maxBatch) return kick();
    if (timer !== null || writing !== null) return;
    timer = maxDelayMs === 0 ? setImmediate(kick) : setTimeout(kick, maxDelayMs);
  }

  async function flush(): Promise<void> {
    while (queue.length > 0 || writing !== null) {
      if (writing === null) kick();
      await writing;
    }
  }

  return {
    append(entry) {
      if (closed) return Promise.reject(new AuditLogClosedError());
      return new Promise<AuditRecord>((resolve, reject) => {
        queue.push({ entry, resolve, reject });
        schedule();
      });
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
    stats: () => ({ ...stats }),
  };
}
