/**
 * Sends SDK events to a Warden server's ingest in batches, off the call path. The queue is
 * bounded: when it is full, new events are dropped and counted, never blocking the caller.
 * Flushes on an interval, when a batch fills, on `flush()`/`close()`, and before the process exits.
 */
export interface JournalOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  serverUrl: string;
  /** A Warden virtual key (sent as `Authorization: Bearer`). */
  apiKey: string;
  /** Most events held in memory; default 10,000. */
  maxQueue?: number;
  /** Events per request; default 100. */
  batchSize?: number;
  /** How often to send what is queued; default 1,000 ms. */
  flushIntervalMs?: number;
  /** Longest one send may take; default 5,000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Told about failed sends (the events are dropped and counted). */
  onError?: (error: Error) => void;
}

export interface JournalStats {
  queued: number;
  sent: number;
  /** Dropped because the queue was full or a send failed. */
  dropped: number;
}

/** An event, or a function that builds it at send time (keeps work off the call path). */
export type JournalEntry = Record<string, unknown> | (() => Record<string, unknown>);

export class Journal {
  private queue: JournalEntry[] = [];
  private inFlight: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly stats = { sent: 0, dropped: 0 };
  private readonly maxQueue: number;
  private readonly batchSize: number;
  private readonly send: typeof fetch;
  private closed = false;
  private readonly onBeforeExit = () => void this.flush();

  constructor(private readonly options: JournalOptions) {
    this.maxQueue = options.maxQueue ?? 10_000;
    this.batchSize = options.batchSize ?? 100;
    this.send = options.fetch ?? fetch;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    // The journal must never keep a process alive on its own; `beforeExit` gives it a last flush.
    this.timer.unref();
    process.on('beforeExit', this.onBeforeExit);
  }

  /** Queues one event; O(1), never throws, never waits. */
  record(event: JournalEntry): void {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(event);
    if (this.queue.length >= this.batchSize && !this.inFlight) void this.flush();
  }

  get counts(): JournalStats {
    return { queued: this.queue.length, sent: this.stats.sent, dropped: this.stats.dropped };
  }

  /** Sends everything queued so far; resolves when it is sent (or dropped after a failure). */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (!this.queue.length) return;
    this.inFlight = this.drain().finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const entries = this.queue.splice(0, this.batchSize);
      const batch = entries.map((e) => (typeof e === 'function' ? e() : e));
      try {
        const response = await this.send(new URL('/api/v1/events', this.options.serverUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.apiKey}` },
          body: JSON.stringify({ events: batch }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
        if (!response.ok) throw new Error(`event ingest answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
        await response.body?.cancel().catch(() => undefined);
        this.stats.sent += batch.length;
      } catch (err) {
        this.stats.dropped += batch.length;
        this.options.onError?.(err as Error);
      }
    }
  }

  /** Flushes and stops the timer; later events are dropped. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    process.off('beforeExit', this.onBeforeExit);
    await this.flush();
    this.closed = true;
  }
}
