// Postgres notifications alone (no version poll) carry a policy change to another registry.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrgPolicyRegistry, type RegistryLogger } from '../../src/policies-live/org-policy-registry.js';
import { openPgPolicyChannel } from '../../src/policies-live/pg-channel.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';

const url = process.env.DATABASE_URL;
if (!url) process.stderr.write('\n*** DATABASE_URL is not set: SKIPPING the LISTEN/NOTIFY test (test/admin/pg-channel.test.ts). ***\n');

describe.skipIf(!url)('policy changes over LISTEN/NOTIFY', () => {
  const schema = `warden_test_${process.pid}_${Date.now()}`;
  let store: Store;
  beforeAll(async () => {
    store = await openPostgresStore({ connectionString: url as string, schema });
    await store.createOrg({ id: 'acme', name: 'Acme' });
  });
  afterAll(async () => {
    await store.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('a change published by one registry is installed by another with polling off', async () => {
    const open = async (logger?: RegistryLogger) => OrgPolicyRegistry.open({ store, baseDocuments: [], engine: {}, defaultPolicy: false, pollMs: 0, channel: await openPgPolicyChannel(url as string), ...(logger ? { logger } : {}) });
    // The registry logs this line once it has installed an org's changed policies.
    let heard: () => void = () => undefined;
    const twoReloadedAcme = new Promise<void>((resolve) => (heard = resolve));
    const one = await open();
    const two = await open({ warn() {}, info: (obj, msg) => void (msg === 'org policies reloaded' && obj.org === 'acme' && heard()) });
    try {
      expect(two.policiesFor({ org: 'acme' }).ruleCount).toBe(0);
      await store.savePolicyDocument('acme', 'p', { policy_name: 'p', rules: [{ type: 'token_ceiling', max_input_tokens: 10 }] });
      await one.changed('acme');
      expect(one.policiesFor({ org: 'acme' }).ruleCount).toBe(1);
      const changedAt = Date.now();
      await twoReloadedAcme;
      expect(two.policiesFor({ org: 'acme' }).ruleCount).toBe(1);
      expect(Date.now() - changedAt).toBeLessThan(1000);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
