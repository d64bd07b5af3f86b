// Policy-change notifications between Warden processes sharing one Postgres database:
// NOTIFY on a write, LISTEN in every process (src/store/postgres/pg-notify.ts). What a
// dropped connection missed is caught by the registry's version poll.
import { PgNotifier } from '../store/postgres/pg-notify.js';
import type { PolicyChangeChannel, RegistryLogger } from './org-policy-registry.js';

export const POLICY_CHANNEL = 'warden_policy_changes';

/** The policy channel on a notifier shared with other users; closing it leaves the notifier open. */
export async function policyChannel(notifier: PgNotifier): Promise<PolicyChangeChannel> {
  return notifier.channel(POLICY_CHANNEL);
}

/** A policy channel on a connection of its own, closed with it. */
export async function openPgPolicyChannel(connectionString: string, logger?: RegistryLogger): Promise<PolicyChangeChannel> {
  const notifier = await PgNotifier.open(connectionString, logger);
  const channel = await policyChannel(notifier);
  return { ...channel, close: () => notifier.close() };
}
