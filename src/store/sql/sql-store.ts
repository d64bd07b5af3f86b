import type { Store } from '../store.js';
import { activityMethods } from './activity.js';
import { auditMethods } from './audit.js';
import type { SqlContext } from './context.js';
import { credentialMethods } from './credentials.js';
import { policyMethods } from './policies.js';
import type { SqlDatabase } from './sql-database.js';
import { tenantMethods } from './tenants.js';

/** The Store over any SqlDatabase: the adapters differ only in driver, dialect hooks and migrations. */
export function createSqlStore(db: SqlDatabase, now: () => number = Date.now): Store {
  const ctx: SqlContext = { db, now };
  return {
    kind: db.dialect,
    close: () => db.close(),
    ...tenantMethods(ctx),
    ...credentialMethods(ctx),
    ...policyMethods(ctx),
    ...activityMethods(ctx),
    ...auditMethods(ctx),
  };
}
