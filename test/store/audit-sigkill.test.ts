// Durability of the group-commit audit path: a writer killed with SIGKILL loses nothing
// it had acknowledged. Every id the child printed (after append() resolved) must be in
// the database when it is reopened, and the chain must verify.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { iterateAudit } from '../../src/audit/export.js';
import { verifyChain } from '../../src/audit/verify.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/audit-writer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Kill after this many acknowledged ids, or this long after the first one, whichever comes first. */
const KILL_AFTER_IDS = 3000;
const KILL_AFTER_MS = 3000;

const dir = mkdtempSync(join(tmpdir(), 'warden-sigkill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer, SIGKILLs it mid-stream, and returns the ids it acknowledged. */
async function runAndKill(path: string, org: string): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, path, org], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const kill = () => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve();
    };
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (timer === undefined && out.includes('sk_')) timer = setTimeout(kill, KILL_AFTER_MS);
      if (out.split('\n').length > KILL_AFTER_IDS) kill();
    });
    child.on('exit', () => reject(new Error(`writer exited before it was killed: ${err}`)));
  });
  expect(await exited).toBe('SIGKILL');
  // A line cut off by the kill was never fully acknowledged: keep complete lines only.
  return out
    .slice(0, out.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.startsWith('sk_'));
}

describe('audit durability under SIGKILL (sqlite, group commit)', () => {
  it('keeps every acknowledged record, verifies, and still catches an edit', async () => {
    const path = join(dir, 'audit.db');
    const org = 'sigkill';
    const acknowledged = await runAndKill(path, org);
    expect(acknowledged.length).toBeGreaterThan(100);

    const store = await openSqliteStore({ path });
    try {
      const stored = new Set<string>();
      for await (const record of iterateAudit(store, org)) stored.add(record.request_id);
      const missing = acknowledged.filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      const verified = await verifyChain(store, org);
      expect(verified).toEqual({ ok: true, records: stored.size });

      const victim = acknowledged[Math.floor(acknowledged.length / 2)]!;
      const db = new Database(path);
      const row = db.prepare('SELECT seq FROM audit_records WHERE org = ? AND request_id = ?').get(org, victim) as { seq: number };
      db.prepare(`UPDATE audit_records SET body = replace(body, '"status":200', '"status":500') WHERE org = ? AND seq = ?`).run(org, row.seq);
      db.close();
      expect(await verifyChain(store, org)).toMatchObject({ ok: false, problem: 'edited', at: { seq: row.seq, request_id: victim } });
    } finally {
      await store.close();
    }
  });
});
