// What `warden serve` adds to the gateway once it has a store: keys made through the admin
// API, per-org policy sets that follow every change live, the audit trail written before
// each response completes, and the REST admin API itself.
import { join } from 'node:path';
import { AdminHttpApi } from '../admin/admin-server.js';
import { StoreKeyResolver } from '../admin/key-resolver.js';
import { bootstrapOwner } from '../admin/principal.js';
import { createViolationNotifier, type ViolationNotifier } from '../admin/violation-webhooks.js';
import { StoreApprovalQueue } from '../approvals/store-approval-queue.js';
import type { WebhookConfig } from '../approvals/webhooks.js';
import { auditEntry } from '../audit/audit-entry.js';
import { type AuditLog, createAuditLog } from '../audit/audit-log.js';
import { openSqliteAuditWriter } from '../store/sqlite/sqlite-audit-writer.js';
import type { EngineOptions } from '../engine/engine.js';
import type { Decision, Tenant } from '../engine/types.js';
import { type Authenticated, KeyRing } from '../gateway/auth.js';
import { GatewayError } from '../gateway/errors.js';
import type { CompletionRecord, GatewayLogger, GatewayOptions, KeyRecord } from '../gateway/types.js';
import { openStore } from '../store/open-store.js';
import type { ApiKey, Store } from '../store/store.js';
import { OrgPolicyRegistry } from './org-policy-registry.js';
import { PgNotifier } from '../store/postgres/pg-notify.js';
import { policyChannel } from './pg-channel.js';
import { SEED_POLICY_NAME } from './seed-policies.js';

/** How much of the presented key rules may see (`key_environment_check` prefixes), as the KeyRing does. */
const KEY_PREFIX_LENGTH = 16;

export interface ControlPlaneOptions {
  env: NodeJS.ProcessEnv;
  /** The SQLite file lives here when no DATABASE_URL is set. */
  dataDir: string;
  /** Policy documents of the config file. */
  baseDocuments: readonly unknown[];
  defaultPolicy: boolean;
  engine: EngineOptions;
  source?: string;
  configKeys: readonly KeyRecord[];
  webhooks: readonly WebhookConfig[];
  logger?: GatewayLogger;
  /** Policy version poll interval (ms); default 500. */
  pollMs?: number;
  /** How often a gateway re-reads the approvals it holds for decisions made elsewhere (ms); default 1000. */
  approvalPollMs?: number;
}

/** Postgres channel of approval decisions between gateways. */
export const APPROVAL_CHANNEL = 'warden_approvals';

export interface ControlPlane {
  store: Store;
  registry: OrgPolicyRegistry;
  auditLog: AuditLog;
  gatewayOptions: Required<Pick<GatewayOptions, 'policies' | 'policiesFor' | 'resolveKey' | 'audit' | 'adminApi' | 'approvalQueue'>>;
  /** One banner line: where state lives. */
  describe(): string;
  /** Resolves once the violations of the requests answered so far are stored (they are recorded off the response path). */
  violationsRecorded(): Promise<void>;
  close(): Promise<void>;
}

function keyRecord(key: ApiKey): KeyRecord {
  const record: KeyRecord = { id: key.id, sha256: key.key_sha256, org: key.org };
  if (key.team) record.team = key.team;
  if (key.user) record.user = key.user;
  if (key.environment) record.environment = key.environment;
  if (key.role) record.role = key.role;
  if (key.rpm_limit !== null) record.rpmLimit = key.rpm_limit;
  if (key.tpm_limit !== null) record.tpmLimit = key.tpm_limit;
  if (key.max_budget !== null) record.maxBudgetUsd = key.max_budget;
  if (key.budget_duration !== null) record.budgetDuration = key.budget_duration;
  return record;
}

function tenantOf(record: KeyRecord, secret: string): Tenant {
  const tenant: Tenant = { org: record.org, keyId: record.id, keyPrefix: secret.slice(0, Math.min(KEY_PREFIX_LENGTH, secret.length - 1)) };
  if (record.team !== undefined) tenant.team = record.team;
  if (record.user !== undefined) tenant.user = record.user;
  if (record.environment !== undefined) tenant.environment = record.environment;
  if (record.role !== undefined) tenant.role = record.role;
  return tenant;
}

const MATCHED = new Set(['flag', 'block', 'escalate']);

async function recordGatewayViolations(store: Store, notifier: ViolationNotifier, org: string, decision: Decision, logger: GatewayLogger | undefined): Promise<void> {
  const hits = decision.outcomes.filter((o) => o.policy === SEED_POLICY_NAME && MATCHED.has(o.outcome));
  if (!hits.length) return;
  try {
    const saved = [];
    for (const hit of hits) {
      saved.push(await store.recordViolation(org, { request_id: decision.requestId, policy: hit.rule, rule: hit.type, severity: hit.outcome === 'flag' ? 'warning' : 'critical', reason: hit.reason ?? hit.outcome }));
    }
    await notifier.notify(saved);
  } catch (err) {
    logger?.warn({ org, requestId: decision.requestId, err: (err as Error).message }, 'could not record a policy violation');
  }
}

export async function openControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { env, logger } = options;
  const databaseUrl = env.DATABASE_URL || undefined;
  const sqlitePath = join(options.dataDir, 'warden.db');
  const store = await openStore({ databaseUrl, sqlitePath });
  let notifier: PgNotifier | undefined;
  let approvalQueue: StoreApprovalQueue | undefined;
  try {
    if (env.WARDEN_ADMIN_TOKEN) await bootstrapOwner(store, env.WARDEN_ADMIN_TOKEN);
    // One LISTEN connection carries policy changes and approval decisions between processes.
    notifier = databaseUrl ? await PgNotifier.open(databaseUrl, logger) : undefined;
    const channel = notifier ? await policyChannel(notifier) : undefined;
    // Approvals in the store: every gateway on this database lists them and may decide them.
    approvalQueue = new StoreApprovalQueue({
      store,
      ...(notifier ? { channel: await notifier.channel(APPROVAL_CHANNEL) } : {}),
      ...(options.approvalPollMs !== undefined ? { pollMs: options.approvalPollMs } : {}),
      ...(logger ? { logger } : {}),
    });
    const registry = await OrgPolicyRegistry.open({
      store,
      baseDocuments: options.baseDocuments,
      engine: options.engine,
      defaultPolicy: options.defaultPolicy,
      ...(options.source !== undefined ? { source: options.source } : {}),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(channel ? { channel } : {}),
      ...(logger ? { logger } : {}),
    });
    const keys = new StoreKeyResolver(store);
    const ring = new KeyRing(options.configKeys);
    const resolveKey = async (secret: string): Promise<Authenticated | string | undefined> => {
      let found;
      try {
        found = await keys.resolve(secret);
      } catch (err) {
        // Fail closed, but say it is transient: the SDKs retry a 503 on their own.
        logger?.warn({ err: (err as Error).message }, 'key lookup failed');
        throw new GatewayError(503, 'store_unavailable', 'Warden could not reach its key store; try again', null, { 'retry-after': '1' });
      }
      if (!found) return undefined;
      if (found.status === 'revoked') return `this Warden key (${found.key.key_prefix}...) was revoked`;
      if (found.status === 'expired') return `this Warden key (${found.key.key_prefix}...) expired at ${found.key.expires_at}`;
      const record = keyRecord(found.key);
      return { record, tenant: tenantOf(record, secret) };
    };
    // SQLite commits block the thread they run on: the embedded store's audit appends get a
    // thread of their own. Postgres commits are network round trips and stay here.
    const writer = databaseUrl ? undefined : openSqliteAuditWriter(sqlitePath);
    const auditLog = createAuditLog(writer ?? store);
    const violations = createViolationNotifier(options.webhooks, logger);
    const recording = new Set<Promise<void>>();
    const audit = async (record: CompletionRecord): Promise<void> => {
      if (!record.decision) return;
      const appended = auditLog.append(
        auditEntry({
          decision: record.decision,
          ...(record.tenant ? { tenant: record.tenant } : {}),
          status: record.status,
          ...(record.usage ? { usage: record.usage } : {}),
          costUsd: record.costUsd,
          durationMs: record.durationMs,
        }),
      );
      await appended;
      // Org policies (seed 001) matched at the gateway join the alerts feed, off the response path.
      if (record.tenant) {
        const pending: Promise<void> = recordGatewayViolations(store, violations, record.tenant.org, record.decision, logger).finally(() => recording.delete(pending));
        recording.add(pending);
      }
    };
    const silent = { info() {}, warn() {}, error() {} };
    const adminApi = new AdminHttpApi({
      store,
      registry,
      keys,
      authenticateKey: async (secret) => {
        const configured = ring.authenticate(secret);
        if (configured) return configured.tenant;
        const found = await resolveKey(secret);
        return typeof found === 'object' ? found.tenant : found;
      },
      violations,
      logger: logger ?? silent,
      now: Date.now,
      ...(env.WARDEN_ADMIN_TOKEN ? { bootstrapToken: env.WARDEN_ADMIN_TOKEN } : {}),
    });
    return {
      store,
      registry,
      auditLog,
      gatewayOptions: { policies: registry.base, policiesFor: registry.policiesFor, resolveKey, audit, adminApi, approvalQueue },
      describe: () => (databaseUrl ? 'Postgres (DATABASE_URL): keys, policies, approvals and the audit trail are shared by every replica' : `SQLite at ${sqlitePath} (set DATABASE_URL for Postgres)`),
      async violationsRecorded() {
        await Promise.all(recording);
      },
      async close() {
        await registry.close();
        await approvalQueue?.close();
        await notifier?.close();
        await auditLog.close();
        await writer?.close();
        await store.close();
      },
    };
  } catch (err) {
    await approvalQueue?.close();
    await notifier?.close();
    await store.close();
    throw err;
  }
}
