// Policy-change notifications between Warden processes sharing one Postgres database:
// NOTIFY on a write, LISTEN in every process. A dropped connection is reconnected; what
// was missed meanwhile is caught by the registry's version poll.
import pg from 'pg';
import type { PolicyChangeChannel, RegistryLogger } from './org-policy-registry.js';

const CHANNEL = 'warden_policy_changes';
const RECONNECT_MS = 1_000;

export async function openPgPolicyChannel(connectionString: string, logger?: RegistryLogger): Promise<PolicyChangeChannel> {
  const listeners: ((org: string) => void)[] = [];
  let client: pg.Client | undefined;
  let closed = false;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString });
    next.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      for (const listener of listeners) listener(message.payload);
    });
    next.on('error', (err) => {
      logger?.warn({ err: err.message }, 'policy change listener lost its connection; reconnecting');
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!closed) setTimeout(() => void connect().catch(() => undefined), RECONNECT_MS).unref();
    });
    await next.connect();
    await next.query(`LISTEN ${CHANNEL}`);
    client = next;
  };
  await connect();

  return {
    async publish(org) {
      const target = client;
      if (!target) return;
      await target.query('SELECT pg_notify($1, $2)', [CHANNEL, org]);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}
