// The one behaviour suite every Store adapter must pass (Hono's common.case.test.ts
// pattern). Adapters call runStoreContract from their own test files. Tests share one
// backend and one store, so every test works in orgs of its own.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.js';
import { exportAuditCsv, exportAuditJsonl } from '../audit/export.js';
import { verifyAuditChain, verifyChain } from '../audit/verify.js';
import { chainHash, GENESIS_HASH } from './audit-chain.js';
import { keyStatus } from './key-status.js';
import type { SqlRow, SqlValue } from './sql/sql-database.js';
import { auditEntryFixture, T0 } from '../../test/store/fixtures/audit-entry.js';
import type { AuditEntry, Store } from './store.js';
import { StoreApprovalQueue } from '../approvals/store-approval-queue.js';
import type { Approval as QueuedApproval, NewApproval as NewQueuedApproval } from '../approvals/types.js';
import type { DecisionRecord } from '../engine/decision-record.js';
import { StoreConflictError } from './store-conflict-error.js';
import { StoreInputError } from './store-input-error.js';

export interface StoreHarness {
  /** A store on the run's backend; opening it runs the migrations. */
  create(): Promise<Store>;
  /** Direct SQL on the same backend with `$n` placeholders, for tampering and inspection. */
  sql(text: string, params?: SqlValue[]): Promise<SqlRow[]>;
  /** Drops what the run created (the Postgres schema, the SQLite file). */
  cleanup(): Promise<void>;
}

const MIGRATION_VERSIONS = [1, 2, 3];

function sha(label: string): string {
  return chainHash(GENESIS_HASH, `${label}:${randomBytes(8).toString('hex')}`);
}

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

export function runStoreContract(name: string, harness: StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const run = randomBytes(4).toString('hex');
    let n = 0;
    /** A fresh org (created in the store) for one test. */
    const org = async (label = 'org'): Promise<string> => (await store.createOrg({ id: `${label}-${run}-${++n}`, name: label })).id;
    /** An audit-only org id: audit takes no foreign key, as the gateway may serve orgs from a config file. */
    const auditOrg = (label = 'audit'): string => `${label}-${run}-${++n}`;
    const append = async (o: string, count: number, over: (i: number) => Partial<AuditEntry> = () => ({})): Promise<void> => {
      await store.appendAudit(Array.from({ length: count }, (_, i) => auditEntryFixture(o, `req_${i + 1}`, over(i + 1))));
    };

    beforeAll(async () => {
      store = await harness.create();
    });
    afterAll(async () => {
      await store?.close();
      await harness.cleanup();
    });

    describe('migrations', () => {
      it('are recorded once and opening again changes nothing', async () => {
        const again = await harness.create();
        await again.close();
        const rows = await harness.sql('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((r) => Number(r.version))).toEqual(MIGRATION_VERSIONS);
      });
    });

    describe('tenants', () => {
      it('creates, reads and lists orgs', async () => {
        const created = await store.createOrg({ name: 'Acme' });
        expect(created.id).toMatch(/^org_/);
        expect(await store.getOrg(created.id)).toEqual(created);
        expect((await store.listOrgs()).map((o) => o.id)).toContain(created.id);
        expect(await store.getOrg('missing')).toBeNull();
      });

      it('does team CRUD with a unique name per org', async () => {
        const o = await org();
        const team = await store.createTeam(o, { name: 'search', daily_budget_usd: 25 });
        expect(team).toMatchObject({ org: o, name: 'search', daily_budget_usd: 25 });
        await expect(store.createTeam(o, { name: 'search' })).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.updateTeam(o, team.id, { daily_budget_usd: null })).toMatchObject({ name: 'search', daily_budget_usd: null });
        expect(await store.updateTeam(o, team.id, { name: 'retrieval' })).toMatchObject({ name: 'retrieval', daily_budget_usd: null });
        expect(await store.listTeams(o)).toHaveLength(1);
        expect(await store.deleteTeam(o, team.id)).toBe(true);
        expect(await store.deleteTeam(o, team.id)).toBe(false);
        expect(await store.getTeam(o, team.id)).toBeNull();
      });

      it('does user CRUD', async () => {
        const o = await org();
        const user = await store.createUser(o, { email: 'dev@acme.com', name: 'Dev' });
        expect(await store.getUser(o, user.id)).toEqual(user);
        expect(await store.listUsers(o)).toEqual([user]);
        await expect(store.createUser(o, { email: 'dev@acme.com' })).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.deleteUser(o, user.id)).toBe(true);
        expect(await store.listUsers(o)).toEqual([]);
      });

      it('refuses to delete a team that keys still use', async () => {
        const o = await org();
        const team = await store.createTeam(o, { name: 'busy' });
        await store.createKey(o, { name: 'k', team: team.id, key_sha256: sha('k'), key_prefix: 'wdn_' });
        await expect(store.deleteTeam(o, team.id)).rejects.toBeInstanceOf(StoreConflictError);
      });
    });

    describe('virtual keys', () => {
      it('stores the hash, finds the key by it, updates and revokes', async () => {
        const o = await org();
        const team = await store.createTeam(o, { name: 'search' });
        const user = await store.createUser(o, { email: 'a@acme.com' });
        const hash = sha('key');
        const key = await store.createKey(o, {
          name: 'ci',
          team: team.id,
          user: user.id,
          key_sha256: hash,
          key_prefix: 'wdn_live_ab12',
          environment: 'production',
          role: 'service',
          rpm_limit: 60,
          tpm_limit: 100_000,
          max_budget: 10,
          budget_duration: '30d',
        });
        expect(key).toMatchObject({ org: o, team: team.id, user: user.id, key_sha256: hash, rpm_limit: 60, max_budget: 10, revoked_at: null });
        expect(await store.findKeyByHash(hash)).toEqual(key);
        expect(await store.findKeyByHash(sha('nope'))).toBeNull();
        expect(await store.updateKey(o, key.id, { rpm_limit: 120, budget_duration: null })).toMatchObject({ rpm_limit: 120, budget_duration: null, tpm_limit: 100_000 });
        const revoked = await store.revokeKey(o, key.id);
        expect(revoked?.revoked_at).not.toBeNull();
        expect((await store.revokeKey(o, key.id))?.revoked_at).toBe(revoked?.revoked_at);
        expect(keyStatus((await store.findKeyByHash(hash))!, Date.now())).toBe('revoked');
        expect(await store.listKeys(o)).toEqual([]);
        expect(await store.listKeys(o, { include_revoked: true })).toHaveLength(1);
      });

      it('makes expiry visible', async () => {
        const o = await org();
        const key = await store.createKey(o, { name: 'tmp', key_sha256: sha('tmp'), key_prefix: 'wdn_', expires_at: '2026-01-01T00:00:00Z' });
        expect(key.expires_at).toBe('2026-01-01T00:00:00.000Z');
        expect(keyStatus(key, Date.UTC(2025, 11, 31))).toBe('active');
        expect(keyStatus(key, Date.UTC(2026, 0, 1))).toBe('expired');
      });

      it('never accepts a raw key or a duplicate hash', async () => {
        const o = await org();
        await expect(store.createKey(o, { name: 'raw', key_sha256: 'wdn_live_secret', key_prefix: 'wdn_' })).rejects.toBeInstanceOf(
          StoreInputError,
        );
        const hash = sha('dup');
        await store.createKey(o, { name: 'one', key_sha256: hash, key_prefix: 'wdn_' });
        await expect(store.createKey(o, { name: 'two', key_sha256: hash, key_prefix: 'wdn_' })).rejects.toBeInstanceOf(StoreConflictError);
      });
    });

    describe('admin tokens', () => {
      it('creates, finds by hash and revokes; a team-admin needs a team', async () => {
        const o = await org();
        const hash = sha('admin');
        const token = await store.createAdminToken(o, { token_sha256: hash, role: 'owner', name: 'bootstrap' });
        expect(await store.findAdminTokenByHash(hash)).toEqual(token);
        await expect(store.createAdminToken(o, { token_sha256: sha('ta'), role: 'team-admin' })).rejects.toBeInstanceOf(StoreInputError);
        const team = await store.createTeam(o, { name: 't' });
        const teamAdmin = await store.createAdminToken(o, { token_sha256: sha('ta'), role: 'team-admin', team: team.id });
        expect(teamAdmin.team).toBe(team.id);
        expect((await store.revokeAdminToken(o, token.id))?.revoked_at).not.toBeNull();
        expect(await store.listAdminTokens(o)).toHaveLength(2);
      });
    });

    describe('seed 001 policies', () => {
      it('PUT creates, then replaces config and enabled, keeping the id', async () => {
        const o = await org();
        const first = await store.upsertOrgPolicy(o, 'approved_models', { config: { models: ['claude-sonnet-4-5', 'gpt-5'] } });
        expect(first).toMatchObject({ policy_type: 'approved_models', enabled: true, config: { models: ['claude-sonnet-4-5', 'gpt-5'] } });
        const second = await store.upsertOrgPolicy(o, 'approved_models', { config: { models: ['gpt-5'] }, enabled: false });
        expect(second).toMatchObject({ id: first.id, enabled: false, config: { models: ['gpt-5'] } });
        await store.upsertOrgPolicy(o, 'approval_required_threshold_cents', { config: { threshold_cents: 5000 } });
        expect((await store.listOrgPolicies(o)).map((p) => p.policy_type)).toEqual(['approved_models', 'approval_required_threshold_cents']);
        expect(await store.getOrgPolicy(o, 'banned_patterns')).toBeNull();
        await expect(store.upsertOrgPolicy(o, 'made_up' as 'approved_models', { config: {} })).rejects.toBeInstanceOf(StoreInputError);
      });
    });

    describe('policy documents', () => {
      it('versions every save and rolls back by copying an old version', async () => {
        const o = await org();
        const v1 = { policy_name: 'dev', environment: 'development', rules: [{ type: 'model_access', models: ['gpt-4o-mini'] }] };
        const v2 = { ...v1, rules: [] };
        expect(await store.savePolicyDocument(o, 'dev', v1, 'alice')).toMatchObject({ version: 1, author: 'alice', document: v1 });
        expect(await store.savePolicyDocument(o, 'dev', v2, 'bob')).toMatchObject({ version: 2, document: v2 });
        await store.savePolicyDocument(o, 'prod', { policy_name: 'prod', rules: [] });
        expect(await store.getPolicyDocument(o, 'dev')).toMatchObject({ version: 2 });
        expect(await store.getPolicyDocument(o, 'dev', 1)).toMatchObject({ version: 1, document: v1 });
        const rolled = await store.rollbackPolicyDocument(o, 'dev', 1, 'carol');
        expect(rolled).toMatchObject({ version: 3, rolled_back_from: 1, author: 'carol', document: v1 });
        expect((await store.listPolicyDocuments(o)).map((d) => [d.name, d.version])).toEqual([
          ['dev', 3],
          ['prod', 1],
        ]);
        expect((await store.listPolicyDocumentVersions(o, 'dev')).map((d) => d.version)).toEqual([1, 2, 3]);
        expect(await store.rollbackPolicyDocument(o, 'dev', 9)).toBeNull();
        expect(await store.getPolicyDocument(o, 'none')).toBeNull();
      });

      it('gives concurrent saves distinct versions', async () => {
        const o = await org();
        const saved = await Promise.all(Array.from({ length: 8 }, (_, i) => store.savePolicyDocument(o, 'p', { policy_name: 'p', rules: [], i })));
        expect(saved.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      });
    });

    describe('events, violations, approvals', () => {
      it('journals events and pages them newest first with filters', async () => {
        const o = auditOrg('events');
        const events = await store.recordEvents(
          o,
          Array.from({ length: 5 }, (_, i) => ({
            timestamp: new Date(T0 + i * 60_000).toISOString(),
            model: i % 2 === 0 ? 'gpt-5' : 'claude-sonnet-4-5',
            input_tokens: 10,
            output_tokens: 20,
            cost_usd: 0.01,
            environment: 'staging',
            labels: { feature: 'search' },
            prompt: i === 0 ? '[EMAIL] asked for a summary' : null,
            prompt_redacted: i === 0,
          })),
        );
        expect(events[0]).toMatchObject({ labels: { feature: 'search' }, prompt_redacted: true, prompt: '[EMAIL] asked for a summary' });
        const first = await store.listEvents(o, { limit: 2 });
        expect(first.items.map((e) => e.id)).toEqual([events[4]!.id, events[3]!.id]);
        const second = await store.listEvents(o, { limit: 2, cursor: first.next_cursor! });
        const third = await store.listEvents(o, { limit: 2, cursor: second.next_cursor! });
        expect([...first.items, ...second.items, ...third.items].map((e) => e.id)).toEqual(events.map((e) => e.id).reverse());
        expect(third.next_cursor).toBeNull();
        expect((await store.listEvents(o, { model: 'gpt-5' })).items).toHaveLength(3);
        const window = await store.listEvents(o, { since: new Date(T0 + 60_000).toISOString(), until: new Date(T0 + 180_000).toISOString() });
        expect(window.items).toHaveLength(2);
      });

      it('feeds violations and acknowledges them', async () => {
        const o = auditOrg('alerts');
        const a = await store.recordViolation(o, { policy: 'approved_models', reason: 'model gpt-9 is not approved', severity: 'critical' });
        const b = await store.recordViolation(o, { policy: 'banned_patterns', reason: 'pattern matched', request_id: 'req_1' });
        expect(b.severity).toBe('warning');
        expect((await store.acknowledgeViolation(o, a.id))?.acknowledged_at).not.toBeNull();
        expect((await store.listViolations(o, { unacknowledged_only: true })).items.map((v) => v.id)).toEqual([b.id]);
        const page = await store.listViolations(o, { limit: 1 });
        expect(page.items.map((v) => v.id)).toEqual([b.id]);
        expect((await store.listViolations(o, { limit: 1, cursor: page.next_cursor! })).items.map((v) => v.id)).toEqual([a.id]);
      });

      it('keeps approvals and lets only one approver decide', async () => {
        const o = auditOrg('approvals');
        const approval = await store.createApproval(o, { request_id: 'req_9', record: { decision: 'escalate', estimate: { cost_usd: 6 } } });
        expect(approval).toMatchObject({ status: 'pending', record: { decision: 'escalate' }, decided_by: null, decided_at: null, reason: null, team: null });
        expect(await store.listApprovals(o, { status: 'pending' })).toHaveLength(1);
        const [first, second] = await Promise.all([
          store.decideApproval(o, approval.id, { status: 'approved', decided_by: 'alice' }),
          store.decideApproval(o, approval.id, { status: 'rejected', decided_by: 'bob' }),
        ]);
        expect([first?.status, second?.status].filter(Boolean)).toHaveLength(1);
        expect((await store.getApproval(o, approval.id))?.status).not.toBe('pending');
        expect(await store.listApprovals(o, { status: 'pending' })).toEqual([]);
        const decided = (first ?? second) as NonNullable<typeof first>;
        expect(decided.decided_at).not.toBeNull();
        await expect(store.decideApproval(o, approval.id, { status: 'pending' as 'approved' })).rejects.toBeInstanceOf(StoreInputError);
      });

      it('lists approvals newest first, by status, team and ids, and records how they ended', async () => {
        const o = auditOrg('approval-list');
        const a = await store.createApproval(o, { request_id: 'req_a', team: 'search', record: { n: 1 } });
        const b = await store.createApproval(o, { request_id: 'req_b', team: 'ops', record: { n: 2 }, expires_at: new Date(T0).toISOString() });
        const c = await store.createApproval(o, { request_id: 'req_c', team: 'search', record: { n: 3 } });
        expect((await store.listApprovals(o)).map((x) => x.id)).toEqual([c.id, b.id, a.id]);
        expect((await store.listApprovals(o, { team: 'search' })).map((x) => x.id)).toEqual([c.id, a.id]);
        expect((await store.listApprovals(o, { ids: [a.id, b.id] })).map((x) => x.id)).toEqual([b.id, a.id]);
        expect(await store.listApprovals(o, { ids: [] })).toEqual([]);
        expect((await store.listApprovals(o, { limit: 1 })).map((x) => x.id)).toEqual([c.id]);
        const at = new Date(T0 + 5_000).toISOString();
        const cancelled = await store.decideApproval(o, b.id, { status: 'cancelled', reason: 'the client disconnected', decided_at: at });
        expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'the client disconnected', decided_at: at, decided_by: null, expires_at: new Date(T0).toISOString() });
        expect((await store.listApprovals(o, { status: 'pending' })).map((x) => x.id)).toEqual([c.id, a.id]);
        expect((await store.listApprovals(o, { status: 'cancelled' })).map((x) => x.id)).toEqual([b.id]);
      });

      it('prunes the decided approvals of one org decided before a time, never a pending one', async () => {
        const o = auditOrg('approval-prune');
        const other = auditOrg('approval-prune-other');
        const decidedAt = (ms: number) => new Date(T0 + ms).toISOString();
        const old = await store.createApproval(o, { request_id: 'req_old', record: {} });
        await store.decideApproval(o, old.id, { status: 'approved', decided_by: 'alice', decided_at: decidedAt(0) });
        const expired = await store.createApproval(o, { request_id: 'req_expired', record: {} });
        await store.decideApproval(o, expired.id, { status: 'expired', decided_at: decidedAt(1_000) });
        const recent = await store.createApproval(o, { request_id: 'req_recent', record: {} });
        await store.decideApproval(o, recent.id, { status: 'rejected', decided_at: decidedAt(10_000) });
        const pending = await store.createApproval(o, { request_id: 'req_pending', record: {}, expires_at: decidedAt(0) });
        const elsewhere = await store.createApproval(other, { request_id: 'req_old', record: {} });
        await store.decideApproval(other, elsewhere.id, { status: 'approved', decided_at: decidedAt(0) });

        expect(await store.deleteApprovalsBefore(o, decidedAt(5_000))).toBe(2);
        expect((await store.listApprovals(o)).map((x) => x.id)).toEqual([pending.id, recent.id]);
        expect(await store.getApproval(other, elsewhere.id)).not.toBeNull();
        // Even a cutoff in the future leaves what is still waiting for a human.
        expect(await store.deleteApprovalsBefore(o, decidedAt(10 ** 12))).toBe(1);
        expect((await store.listApprovals(o)).map((x) => x.id)).toEqual([pending.id]);
        await expect(store.deleteApprovalsBefore(o, 'yesterday')).rejects.toBeInstanceOf(StoreInputError);
      });
    });

    describe('the store-backed approval queue (approvals shared by gateway processes)', () => {
      let seqNo = 0;
      const decision = { decision: 'escalate', policy: 'spend', rule: 'approval_threshold', reason: 'costly', request_id: 'req' } as unknown as DecisionRecord;
      const newApproval = (o: string, team?: string): NewQueuedApproval => {
        const createdAt = T0 + ++seqNo;
        return {
          id: `apr_${run}_${seqNo}`,
          requestId: `req_${seqNo}`,
          route: 'openai.chat',
          requester: { org: o, ...(team ? { team } : {}), user: 'dev@acme.com', keyId: 'key_dev' },
          model: 'gpt-4.1',
          estimatedCostUsd: 0.41,
          decision,
          createdAt,
          expiresAt: createdAt + 60_000,
        };
      };
      /** Two queues on one store: two gateway processes sharing a database. */
      const queues: StoreApprovalQueue[] = [];
      const queue = (pollMs = 0): StoreApprovalQueue => {
        const q = new StoreApprovalQueue({ store, pollMs });
        queues.push(q);
        return q;
      };
      afterAll(async () => {
        await Promise.all(queues.map((q) => q.close()));
      });

      it('keeps the approval as the gate made it, per org and team', async () => {
        const o = auditOrg('queue');
        const other = auditOrg('queue-other');
        const q = queue();
        const input = newApproval(o, 'search');
        const added = await q.add(input);
        expect(added).toEqual({ ...input, status: 'pending' });
        expect(await q.get(input.id, o)).toEqual(added);
        expect(await queue().get(input.id, o)).toEqual(added);
        expect(await q.get(input.id, other)).toBeUndefined();
        const ops = await q.add(newApproval(o, 'ops'));
        expect((await q.list({ org: o })).map((a) => a.id)).toEqual([ops.id, input.id]);
        expect((await q.list({ org: o, team: 'search' })).map((a) => a.id)).toEqual([input.id]);
        expect(await q.list({ org: other })).toEqual([]);
        await expect(q.get(input.id)).rejects.toThrow(/one org at a time/);
      });

      it('settles atomically: approve in one process and reject in another at once, exactly one wins', async () => {
        const o = auditOrg('queue-race');
        for (let round = 0; round < 5; round++) {
          const a = queue();
          const b = queue();
          const { id } = await a.add(newApproval(o));
          const results = await Promise.all([
            a.settle(id, { status: 'approved', at: T0 + 1, by: 'owner:alice' }, o),
            b.settle(id, { status: 'rejected', at: T0 + 2, by: 'owner:bob', reason: 'no' }, o),
          ]);
          const won = results.filter((r) => r.ok);
          const lost = results.filter((r) => !r.ok);
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(1);
          const winner = (won[0] as { approval: QueuedApproval }).approval;
          expect(lost[0]).toEqual({ ok: false, error: 'already_decided', approval: winner });
          expect(winner.decidedBy).toBe(winner.status === 'approved' ? 'owner:alice' : 'owner:bob');
          expect(winner.decidedAt).toBe(winner.status === 'approved' ? T0 + 1 : T0 + 2);
          expect(await a.get(id, o)).toEqual(winner);
        }
      });

      it('refuses unknown approvals and other orgs\' ones', async () => {
        const o = auditOrg('queue-scope');
        const q = queue();
        const { id } = await q.add(newApproval(o));
        expect(await q.settle('apr_missing', { status: 'approved', at: T0 }, o)).toEqual({ ok: false, error: 'not_found' });
        expect(await q.settle(id, { status: 'approved', at: T0 }, auditOrg('intruder'))).toEqual({ ok: false, error: 'not_found' });
        expect((await q.get(id, o))?.status).toBe('pending');
      });

      it('tells the process holding a call when another process settled it, and only that one', async () => {
        const o = auditOrg('queue-follow');
        const holder = queue(20);
        const decider = queue(20);
        const heard: QueuedApproval[] = [];
        const heardByDecider: QueuedApproval[] = [];
        let done: () => void = () => undefined;
        const reported = new Promise<void>((resolve) => (done = resolve));
        holder.onSettledElsewhere((approval) => {
          heard.push(approval);
          done();
        });
        decider.onSettledElsewhere((approval) => heardByDecider.push(approval));
        const mine = await holder.add(newApproval(o));
        const settledHere = await holder.add(newApproval(o));
        expect((await decider.settle(mine.id, { status: 'rejected', at: T0 + 9, by: 'admin:x', reason: 'too expensive' }, o)).ok).toBe(true);
        expect((await holder.settle(settledHere.id, { status: 'expired', at: T0 + 9 }, o)).ok).toBe(true);
        await reported;
        await holder.poll();
        await decider.poll();
        expect(heard).toEqual([{ ...mine, status: 'rejected', decidedAt: T0 + 9, decidedBy: 'admin:x', resolutionReason: 'too expensive' }]);
        expect(heardByDecider).toEqual([]);
      });
    });

    describe('tenant isolation', () => {
      it('never returns, changes or deletes another org’s rows', async () => {
        const a = await org('a');
        const b = await org('b');
        const seed = async (o: string) => {
          const team = await store.createTeam(o, { name: 'shared-name' });
          const user = await store.createUser(o, { email: 'same@acme.com' });
          const key = await store.createKey(o, { name: 'k', team: team.id, key_sha256: sha(o), key_prefix: 'wdn_' });
          const token = await store.createAdminToken(o, { token_sha256: sha(`adm${o}`), role: 'admin' });
          await store.upsertOrgPolicy(o, 'banned_patterns', { config: { regexes: [o] } });
          await store.savePolicyDocument(o, 'doc', { policy_name: 'doc', rules: [], org: o });
          await store.recordEvents(o, [{ timestamp: new Date(T0).toISOString(), model: 'm', input_tokens: 1, output_tokens: 1 }]);
          const violation = await store.recordViolation(o, { policy: 'p', reason: o });
          const approval = await store.createApproval(o, { request_id: 'req_shared', record: { org: o } });
          await store.appendAudit([auditEntryFixture(o, 'req_shared')]);
          return { team, user, key, token, violation, approval };
        };
        const inA = await seed(a);
        const inB = await seed(b);

        const everyRow = async (o: string): Promise<unknown[]> => [
          ...(await store.listTeams(o)),
          ...(await store.listUsers(o)),
          ...(await store.listKeys(o, { include_revoked: true })),
          ...(await store.listAdminTokens(o)),
          ...(await store.listOrgPolicies(o)),
          ...(await store.listPolicyDocuments(o)),
          ...(await store.listPolicyDocumentVersions(o, 'doc')),
          ...(await store.listEvents(o)).items,
          ...(await store.listViolations(o)).items,
          ...(await store.listApprovals(o)),
          ...(await store.queryAudit(o)).items,
        ];
        for (const [mine, theirs] of [
          [a, b],
          [b, a],
        ] as const) {
          const rows = (await everyRow(mine)) as { org: string }[];
          expect(rows.length).toBe(11);
          expect(rows.every((row) => row.org === mine)).toBe(true);
          expect(JSON.stringify(rows)).not.toContain(theirs);
        }

        // B's ids named through A find nothing and change nothing.
        expect(await store.getTeam(a, inB.team.id)).toBeNull();
        expect(await store.getUser(a, inB.user.id)).toBeNull();
        expect(await store.getKey(a, inB.key.id)).toBeNull();
        expect(await store.updateTeam(a, inB.team.id, { name: 'x' })).toBeNull();
        expect(await store.updateKey(a, inB.key.id, { rpm_limit: 1 })).toBeNull();
        expect(await store.revokeKey(a, inB.key.id)).toBeNull();
        expect(await store.revokeAdminToken(a, inB.token.id)).toBeNull();
        expect(await store.acknowledgeViolation(a, inB.violation.id)).toBeNull();
        expect(await store.getApproval(a, inB.approval.id)).toBeNull();
        expect(await store.decideApproval(a, inB.approval.id, { status: 'approved' })).toBeNull();
        expect(await store.deleteUser(a, inB.user.id)).toBe(false);
        expect((await store.queryAudit(a, { request_id: 'req_shared' })).items.map((r) => r.org)).toEqual([a]);
        expect((await store.getKey(b, inB.key.id))?.revoked_at).toBeNull();
        expect((await store.getApproval(b, inB.approval.id))?.status).toBe('pending');
        // A key cannot be attached to another org's team.
        await expect(store.createKey(a, { name: 'x', team: inB.team.id, key_sha256: sha('x'), key_prefix: 'wdn_' })).rejects.toBeInstanceOf(
          StoreConflictError,
        );
        expect(inA.key.org).toBe(a);
      });
    });

    describe('audit trail', () => {
      it('chains records per org: seq from 1, each prev_hash the previous hash', async () => {
        const o = auditOrg();
        const other = auditOrg();
        const records = await store.appendAudit([
          auditEntryFixture(o, 'r1'),
          auditEntryFixture(other, 'r1'),
          auditEntryFixture(o, 'r2', { decision: 'block', policy: 'dev', rule: 'content_filter', reason: 'Pattern matched: api_key' }),
        ]);
        expect(records.map((r) => [r.org === o, r.seq])).toEqual([
          [true, 1],
          [false, 1],
          [true, 2],
        ]);
        expect(records[0]!.prev_hash).toBe(GENESIS_HASH);
        expect(records[2]!.prev_hash).toBe(records[0]!.hash);
        expect(await store.auditAnchor(o)).toEqual({ checkpoint: null, head: { seq: 2, hash: records[2]!.hash } });
        const [stored] = (await store.queryAudit(o, { request_id: 'r2' })).items;
        expect(stored).toEqual(records[2]);
        expect(stored).toMatchObject({ decision: 'block', policy: 'dev', rule: 'content_filter', reason: 'Pattern matched: api_key', user: 'dev@acme.com', environment: 'production', request_id: 'r2' });
        expect(await store.listAuditOrgs()).toEqual(expect.arrayContaining([o, other]));
      });

      it('filters by every field and pages with an opaque cursor', async () => {
        const o = auditOrg();
        await append(o, 25, (i) => ({
          timestamp: new Date(T0 + i * 1000).toISOString(),
          key_id: i % 5 === 0 ? 'key_five' : 'key_other',
          team: i <= 10 ? 'team_a' : 'team_b',
          user: i % 2 === 0 ? 'even@acme.com' : 'odd@acme.com',
          model: { requested: 'gpt-5', used: i === 7 ? 'gpt-4o-mini' : 'gpt-5' },
          decision: i % 3 === 0 ? 'block' : 'allow',
        }));
        const count = async (q: Parameters<Store['queryAudit']>[1]) => (await store.queryAudit(o, { limit: 1000, ...q })).items.length;
        expect(await count({ request_id: 'req_4' })).toBe(1);
        expect(await count({ key_id: 'key_five' })).toBe(5);
        expect(await count({ team: 'team_a' })).toBe(10);
        expect(await count({ user: 'even@acme.com' })).toBe(12);
        expect(await count({ model: 'gpt-4o-mini' })).toBe(1);
        expect(await count({ decision: 'block' })).toBe(8);
        expect(await count({ since: new Date(T0 + 5000).toISOString(), until: new Date(T0 + 10_000).toISOString() })).toBe(5);
        expect(await count({ team: 'team_b', decision: 'block' })).toBe(5);

        for (const order of ['asc', 'desc'] as const) {
          const seen: number[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.queryAudit(o, { limit: 7, order, cursor });
            seen.push(...page.items.map((r) => r.seq));
            cursor = page.next_cursor ?? undefined;
          } while (cursor);
          const all = Array.from({ length: 25 }, (_, i) => i + 1);
          expect(seen).toEqual(order === 'asc' ? all : all.reverse());
        }
        await expect(store.queryAudit(o, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(StoreInputError);
        const ascCursor = (await store.queryAudit(o, { limit: 1, order: 'asc' })).next_cursor!;
        await expect(store.queryAudit(o, { cursor: ascCursor, order: 'desc' })).rejects.toBeInstanceOf(StoreInputError);
      });

      it('exports JSONL and CSV, oldest first, with no prompt text', async () => {
        const o = auditOrg();
        await append(o, 3, (i) => ({ reason: i === 2 ? '=HYPERLINK("x"), "quoted"' : 'ok' }));
        const jsonl = (await collect(exportAuditJsonl(store, o))).trimEnd().split('\n').map((line) => JSON.parse(line) as { seq: number });
        expect(jsonl.map((r) => r.seq)).toEqual([1, 2, 3]);
        expect(JSON.stringify(jsonl)).not.toMatch(/prompt|messages/);
        const csv = (await collect(exportAuditCsv(store, o))).split('\r\n');
        expect(csv[0]).toMatch(/^seq,timestamp,request_id,decision,/);
        expect(csv).toHaveLength(5); // header, three rows, trailing empty
        expect(csv[2]).toContain(`"'=HYPERLINK(""x""), ""quoted"""`);
        expect(await collect(exportAuditJsonl(store, o, { decision: 'block' }))).toBe('');
      });

      it('verifies an untouched chain', async () => {
        const o = auditOrg();
        await append(o, 12);
        expect(await verifyChain(store, o)).toEqual({ ok: true, records: 12 });
        expect(await verifyAuditChain(store, o)).toEqual({ ok: true, records: 12 });
        expect((await verifyAuditChain(store)).ok).toBe(true);
      });

      it('names an edited record', async () => {
        const o = auditOrg();
        await append(o, 6, (i) => (i === 4 ? { decision: 'block' } : {}));
        await harness.sql(
          `UPDATE audit_records SET body = replace(body, '"decision":"block"', '"decision":"allow"'), decision = 'allow' WHERE org = $1 AND seq = $2`,
          [o, 4],
        );
        expect(await verifyChain(store, o)).toMatchObject({ ok: false, problem: 'edited', at: { seq: 4, request_id: 'req_4' } });
        expect(await verifyAuditChain(store)).toMatchObject({ ok: false, org: o, problem: 'edited' });
        // Restore, so the all-org verification of later tests is not stuck on this org.
        await harness.sql(`DELETE FROM audit_records WHERE org = $1`, [o]);
        await harness.sql(`DELETE FROM audit_heads WHERE org = $1`, [o]);
      });

      it('names a deleted record, in the middle and at the tail', async () => {
        const o = auditOrg();
        await append(o, 6);
        await harness.sql('DELETE FROM audit_records WHERE org = $1 AND seq = $2', [o, 3]);
        expect(await verifyChain(store, o)).toMatchObject({ ok: false, problem: 'deleted', at: { seq: 3, request_id: null } });
        const tail = auditOrg();
        await append(tail, 4);
        await harness.sql('DELETE FROM audit_records WHERE org = $1 AND seq = $2', [tail, 4]);
        expect(await verifyChain(store, tail)).toMatchObject({ ok: false, problem: 'deleted', at: { seq: 4 } });
        for (const each of [o, tail]) {
          await harness.sql(`DELETE FROM audit_records WHERE org = $1`, [each]);
          await harness.sql(`DELETE FROM audit_heads WHERE org = $1`, [each]);
        }
      });

      it('names a reordered pair', async () => {
        const o = auditOrg();
        await append(o, 6);
        await harness.sql('UPDATE audit_records SET seq = -1 WHERE org = $1 AND seq = $2', [o, 3]);
        await harness.sql('UPDATE audit_records SET seq = $2 WHERE org = $1 AND seq = $3', [o, 3, 4]);
        await harness.sql('UPDATE audit_records SET seq = $2 WHERE org = $1 AND seq = -1', [o, 4]);
        expect(await verifyChain(store, o)).toMatchObject({ ok: false, problem: 'reordered', at: { seq: 3, request_id: 'req_4' } });
        await harness.sql(`DELETE FROM audit_records WHERE org = $1`, [o]);
        await harness.sql(`DELETE FROM audit_heads WHERE org = $1`, [o]);
      });

      it('applies retention behind a checkpoint, and the chain still verifies and grows', async () => {
        const o = auditOrg();
        await append(o, 10, (i) => ({ timestamp: new Date(T0 + i * 1000).toISOString() }));
        const result = await store.deleteAuditBefore(o, new Date(T0 + 5000).toISOString());
        expect(result.deleted).toBe(4);
        const [fifth] = (await store.queryAudit(o, { order: 'asc', limit: 1 })).items;
        expect(fifth).toMatchObject({ seq: 5, request_id: 'req_5' });
        expect(result.checkpoint).toEqual({ seq: 4, hash: fifth!.prev_hash });
        expect(await verifyChain(store, o)).toEqual({ ok: true, records: 6 });
        expect((await store.deleteAuditBefore(o, new Date(T0).toISOString())).deleted).toBe(0);
        const [next] = await store.appendAudit([auditEntryFixture(o, 'req_11')]);
        expect(next!.seq).toBe(11);
        expect(await verifyChain(store, o)).toEqual({ ok: true, records: 7 });
        // Deleting a record right after the checkpoint is still caught.
        await harness.sql('DELETE FROM audit_records WHERE org = $1 AND seq = $2', [o, 5]);
        expect(await verifyChain(store, o)).toMatchObject({ ok: false, problem: 'deleted', at: { seq: 5 } });
        await harness.sql(`DELETE FROM audit_records WHERE org = $1`, [o]);
        await harness.sql(`DELETE FROM audit_heads WHERE org = $1`, [o]);
        await harness.sql(`DELETE FROM audit_checkpoints WHERE org = $1`, [o]);
      });

      it('writes nothing when a batch fails half-way', async () => {
        const o = auditOrg();
        await append(o, 2);
        const head = await store.auditAnchor(o);
        // The third entry repeats a request id of this batch: the insert fails after the chain was computed.
        await expect(
          store.appendAudit([auditEntryFixture(o, 'new_1'), auditEntryFixture(auditOrg(), 'x'), auditEntryFixture(o, 'new_1')]),
        ).rejects.toBeInstanceOf(StoreConflictError);
        expect(await store.auditAnchor(o)).toEqual(head);
        expect((await store.queryAudit(o)).items).toHaveLength(2);
        const [after] = await store.appendAudit([auditEntryFixture(o, 'new_1')]);
        expect(after!.seq).toBe(3);
        expect(await verifyChain(store, o)).toEqual({ ok: true, records: 3 });
      });

      it('keeps a chain linear under concurrent appendAudit calls', async () => {
        const o = auditOrg();
        await Promise.all(
          Array.from({ length: 6 }, (_, b) => store.appendAudit(Array.from({ length: 5 }, (_, i) => auditEntryFixture(o, `c${b}_${i}`)))),
        );
        expect(await verifyChain(store, o)).toEqual({ ok: true, records: 30 });
      });

      it('group-commits concurrent appends and fails only the bad entry of a batch', async () => {
        const o = auditOrg();
        const log = createAuditLog(store, { maxDelayMs: 2 });
        const ids = Array.from({ length: 200 }, (_, i) => `gc_${i}`);
        const records = await Promise.all(ids.map((id) => log.append(auditEntryFixture(o, id))));
        expect(new Set(records.map((r) => r.seq)).size).toBe(200);
        expect(log.stats().batches).toBeLessThan(20);
        const results = await Promise.allSettled([
          log.append(auditEntryFixture(o, 'gc_new_1')),
          log.append(auditEntryFixture(o, 'gc_0')),
          log.append(auditEntryFixture(o, 'gc_new_2')),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        await log.close();
        expect(await verifyChain(store, o)).toEqual({ ok: true, records: 202 });
      });
    });
  });
}
