import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { runStoreContract } from '../store.contract.js';
import { PostgresDatabase } from './postgres-database.js';
import { openPostgresStore } from './postgres-store.js';

const url = process.env.DATABASE_URL;

if (url === undefined || url === '') {
  console.warn(
    '\n*** DATABASE_URL is not set: SKIPPING the Postgres Store contract suite (postgres-store.test.ts). ' +
      'Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run it. ***\n',
  );
  describe.skip('Store contract: postgres (DATABASE_URL not set)', () => {});
} else {
  const connectionString = url;
  // A schema per run, dropped afterwards, so parallel and repeated runs never collide.
  const schema = `warden_test_${randomBytes(6).toString('hex')}`;
  let direct: PostgresDatabase | undefined;

  runStoreContract('postgres', {
    create: () => openPostgresStore({ connectionString, schema, max: 4 }),
    sql: (text, params) => {
      direct ??= new PostgresDatabase(new pg.Pool({ connectionString, max: 1, options: `-c search_path=${schema}` }));
      return direct.query(text, params);
    },
    cleanup: async () => {
      await direct?.close();
      const admin = new pg.Client({ connectionString });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  });
}
