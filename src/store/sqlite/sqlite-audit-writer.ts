// Audit appends for the embedded store, on a thread of their own. better-sqlite3 is
// synchronous: on the gateway's thread every group commit (its fsync, with synchronous =
// FULL) stopped every request in flight, and the inserts and chain hashing took a fifth of
// its CPU under load. The thread opens its own connection to the same file; an append still
// resolves only once its transaction is durable, and SQLite's write lock (BEGIN IMMEDIATE)
// keeps each org's chain in order beside the store's other writers.
import { Worker } from 'node:worker_threads';
import type { AuditEntry, AuditRecord, Store } from '../store.js';
import { StoreConflictError } from '../store-conflict-error.js';
import { StoreInputError } from '../store-input-error.js';

export type WriterRequest = { type: 'append'; id: number; entries: readonly AuditEntry[] } | { type: 'close' };
export type WriterReply = { id: number; records: AuditRecord[] } | { id: number; error: { name: string; message: string } };

export interface SqliteAuditWriter extends Pick<Store, 'appendAudit'> {
  /** Waits for the appends in flight, then closes the thread's connection. */
  close(): Promise<void>;
}

/** The store's error classes survive the thread boundary (the audit log retries a conflicting batch entry by entry). */
function rebuild(error: { name: string; message: string }): Error {
  if (error.name === 'StoreConflictError') return new StoreConflictError(error.message);
  if (error.name === 'StoreInputError') return new StoreInputError(error.message);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}

function startWorker(path: string): Worker {
  const here = import.meta.url;
  // From the sources the entry is TypeScript and needs the tsx loader (worker-boot.mjs).
  if (here.endsWith('.ts')) {
    return new Worker(new URL('./worker-boot.mjs', here), { workerData: { path, entry: new URL('./sqlite-audit-worker.ts', here).href } });
  }
  return new Worker(new URL('./sqlite-audit-worker.js', here), { workerData: { path } });
}

/** Appends audit records to the SQLite file at `path` (already migrated by the store) from a worker thread. */
export function openSqliteAuditWriter(path: string): SqliteAuditWriter {
  let worker: Worker | undefined;
  let nextId = 0;
  let closing: Promise<void> | undefined;
  const pending = new Map<number, { resolve: (records: AuditRecord[]) => void; reject: (error: unknown) => void }>();

  const failAll = (error: unknown) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  const spawn = (): Worker => {
    const started = startWorker(path);
    started.on('message', (reply: WriterReply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if ('error' in reply) waiter.reject(rebuild(reply.error));
      else waiter.resolve(reply.records);
      // An idle writer does not keep the process alive.
      if (!pending.size) started.unref();
    });
    started.on('error', (error) => failAll(error));
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      // A writer that died takes its appends with it; the next append starts a new one.
      if (pending.size) failAll(new Error(`the audit writer thread exited (code ${code}) before it confirmed the append`));
    });
    started.unref();
    return started;
  };

  return {
    appendAudit(entries) {
      if (closing) return Promise.reject(new Error('the audit writer is closed'));
      if (!entries.length) return Promise.resolve([]);
      worker ??= spawn();
      const id = ++nextId;
      const target = worker;
      return new Promise<AuditRecord[]>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Held open while an append is on its way: the caller awaits the durable record.
        target.ref();
        target.postMessage({ type: 'append', id, entries } satisfies WriterRequest);
      });
    },
    close() {
      closing ??= (async () => {
        const current = worker;
        if (!current) return;
        const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
        // Replies to the appends already posted arrive before the thread handles the close.
        current.ref();
        current.postMessage({ type: 'close' } satisfies WriterRequest);
        await exited;
      })();
      return closing;
    },
  };
}
