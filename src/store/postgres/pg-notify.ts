// Notifications between Warden processes sharing one Postgres database: NOTIFY on a write,
// LISTEN in every process, on one dedicated connection for every channel. A dropped
// connection is reconnected (and every channel listened to again); what was missed
// meanwhile is the business of each user's poll, which is why every user has one.
import pg from 'pg';

const RECONNECT_MS = 1_000;
const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface NotifierLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
}

/** One named channel: what a process publishes, every process (itself included) hears. */
export interface NotifyChannel {
  publish(payload: string): Promise<void>;
  subscribe(listener: (payload: string) => void): void;
  /** Releases what this channel holds; a channel of a shared PgNotifier leaves the connection to its owner. */
  close(): Promise<void>;
}

export class PgNotifier {
  private client: pg.Client | undefined;
  private closed = false;
  private readonly listeners = new Map<string, ((payload: string) => void)[]>();

  private constructor(
    private readonly connectionString: string,
    private readonly logger?: NotifierLogger,
  ) {}

  static async open(connectionString: string, logger?: NotifierLogger): Promise<PgNotifier> {
    const notifier = new PgNotifier(connectionString, logger);
    await notifier.connect();
    return notifier;
  }

  /** Listens on `name` (LISTEN has taken effect when this resolves). */
  async channel(name: string): Promise<NotifyChannel> {
    if (!CHANNEL_NAME.test(name)) throw new Error(`invalid channel name ${JSON.stringify(name)}`);
    if (!this.listeners.has(name)) {
      this.listeners.set(name, []);
      await this.client?.query(`LISTEN ${name}`);
    }
    const listeners = this.listeners.get(name) as ((payload: string) => void)[];
    return {
      publish: async (payload) => {
        const target = this.client;
        // Reconnecting: the others' polls pick the change up.
        if (!target) return;
        await target.query('SELECT pg_notify($1, $2)', [name, payload]);
      },
      subscribe: (listener) => {
        listeners.push(listener);
      },
      close: async () => undefined,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async connect(): Promise<void> {
    const next = new pg.Client({ connectionString: this.connectionString });
    next.on('notification', (message) => {
      if (!message.payload) return;
      for (const listener of this.listeners.get(message.channel) ?? []) listener(message.payload);
    });
    next.on('error', (err) => {
      this.logger?.warn({ err: err.message }, 'database notification listener lost its connection; reconnecting');
      void next.end().catch(() => undefined);
      if (this.client === next) this.client = undefined;
      if (!this.closed) setTimeout(() => void this.connect().catch(() => undefined), RECONNECT_MS).unref();
    });
    await next.connect();
    for (const name of this.listeners.keys()) await next.query(`LISTEN ${name}`);
    if (this.closed) {
      await next.end().catch(() => undefined);
      return;
    }
    this.client = next;
  }
}
