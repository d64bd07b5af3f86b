// Audit retention as an operator runs it: `warden audit prune --older-than Nd` removes old
// records behind a checkpoint and old decided approvals, and `warden audit verify` still
// passes on what remains.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { MAIN, TSX } from '../fixtures/serve-process.js';
import { auditEntryFixture } from '../store/fixtures/audit-entry.js';

async function warden(cwd: string, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, out, err };
}

describe('warden audit prune', () => {
  it('removes records older than the retention period and leaves a chain that verifies', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-prune-'));
    mkdirSync(join(cwd, '.warden'));
    const store = await openStore({ sqlitePath: join(cwd, '.warden', 'warden.db') });
    const day = 86_400_000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
    await store.createOrg({ id: 'acme', name: 'Acme' });
    await store.appendAudit([
      auditEntryFixture('acme', 'req_old_1', { timestamp: at(120) }),
      auditEntryFixture('acme', 'req_old_2', { timestamp: at(95) }),
      auditEntryFixture('acme', 'req_new_1', { timestamp: at(10) }),
      auditEntryFixture('acme', 'req_new_2', { timestamp: at(1) }),
    ]);
    // Approvals: one decided long ago, one decided recently, one still waiting (created long ago).
    const oldApproval = await store.createApproval('acme', { request_id: 'req_old_1', record: {} });
    await store.decideApproval('acme', oldApproval.id, { status: 'approved', decided_by: 'alice', decided_at: at(100) });
    const recentApproval = await store.createApproval('acme', { request_id: 'req_new_1', record: {} });
    await store.decideApproval('acme', recentApproval.id, { status: 'rejected', decided_at: at(10) });
    const waiting = await store.createApproval('acme', { request_id: 'req_new_2', record: {}, expires_at: at(200) });
    await store.close();

    const refused = await warden(cwd, 'audit', 'prune');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--older-than');

    const pruned = await warden(cwd, 'audit', 'prune', '--older-than', '90d');
    expect(pruned.code, pruned.err).toBe(0);
    expect(pruned.out).toContain('org acme: removed 2 audit records and 1 decided approval');

    const verified = await warden(cwd, 'audit', 'verify');
    expect(verified.code, verified.err).toBe(0);
    expect(verified.out).toContain('audit chain intact: 2 records');

    const reopened = await openStore({ sqlitePath: join(cwd, '.warden', 'warden.db') });
    const left = await reopened.queryAudit('acme', { order: 'asc' });
    expect(left.items.map((r) => r.request_id)).toEqual(['req_new_1', 'req_new_2']);
    expect((await reopened.listApprovals('acme')).map((a) => a.id)).toEqual([waiting.id, recentApproval.id]);
    await reopened.close();
  });
});
