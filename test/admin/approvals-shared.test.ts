// Two gateways on one store (here one SQLite file, so decisions travel by the poll): a call
// held by A is listed and decided through B, and A's call then goes on. Concurrent
// decisions have one winner; a timeout settles once; each event is announced once, by the
// gateway that made the change. The same over Postgres, in real processes, is in
// two-process-approvals.test.ts.
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalGate } from '../../src/approvals/approval-gate.js';
import { StoreApprovalQueue } from '../../src/approvals/store-approval-queue.js';
import type { Approval } from '../../src/approvals/types.js';
import type { DecisionRecord } from '../../src/engine/decision-record.js';
import { type Delivery, type WebhookReceiver, startWebhookReceiver } from '../fixtures/webhook-receiver.js';
import { type AdminStack, OPERATOR_TOKEN, startAdminStack } from './admin-harness.js';
import { rejection } from '../fixtures/rejection.js';

const TIMEOUT_MS = 2_000;

let hooks: WebhookReceiver;
let a: AdminStack;
let b: AdminStack;
let key: string;

const gateOf = (stack: AdminStack): ApprovalGate => stack.gateway.approvals as ApprovalGate;

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-shared-approvals-'));
  const gatewayOptions = { approvals: { timeoutMs: TIMEOUT_MS, webhooks: [{ url: `${hooks.url}/json`, format: 'json' as const }] } };
  a = await startAdminStack({ dataDir, approvalPollMs: 25 }, gatewayOptions);
  b = await startAdminStack({ dataDir, approvalPollMs: 25 }, gatewayOptions);
  key = (await a.api('POST', '/api/v1/keys', OPERATOR_TOKEN, { name: 'shared' })).json.key;
  const put = await a.api('PUT', '/api/v1/policy-documents/hold', OPERATOR_TOKEN, { policy_name: 'hold', rules: [{ type: 'approval_threshold', threshold_usd: 0.000001, when: 'has(labels.hold)' }] });
  expect(put.status).toBeLessThan(300);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await hooks?.close();
});
beforeEach(() => {
  hooks.deliveries.length = 0;
});

/** Sends a call through A that waits for a human; resolves once A holds it. */
async function holdOnA(content: string): Promise<{ id: string; call: Promise<OpenAI.Chat.ChatCompletion> }> {
  const held = once(gateOf(a), 'held') as Promise<[Approval]>;
  const call = a.openai(key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers: { 'x-warden-labels': '{"hold":"yes"}' } });
  call.catch(() => undefined);
  const [approval] = await held;
  return { id: approval.id, call };
}

/** Every webhook delivery about approval `id`, once both gateways have sent what they had to. */
async function announced(id: string): Promise<Delivery[]> {
  await Promise.all([gateOf(a).flush(), gateOf(b).flush()]);
  return hooks.deliveries.filter((d) => d.json.approval?.id === id);
}

describe('approvals shared by two gateways on one store', () => {
  it('a call held by A is listed by B, approved through B, and completes on A with the upstream answer', async () => {
    const { id, call } = await holdOnA('approve me');
    const listed = await b.api('GET', '/api/v1/approvals', OPERATOR_TOKEN);
    expect(listed.json.data.map((x: { id: string }) => x.id)).toContain(id);
    expect(gateOf(b).heldCount).toBe(0);
    expect(a.mock.requests).toHaveLength(0);

    const approved = await b.api('POST', `/api/v1/approvals/${id}/approve`, OPERATOR_TOKEN);
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ id, status: 'approved', decided_by: expect.stringMatching(/^owner:/) });
    const reply = await call;
    expect(reply.choices[0]?.message.content).toBe('Echo: approve me');
    expect(a.mock.requests).toHaveLength(1);
    expect(a.records.at(-1)?.approval).toMatchObject({ id, status: 'approved' });

    // One announcement per event, each from the gateway that made the change.
    const events = await announced(id);
    expect(events.map((d) => d.json.event)).toEqual(['approval.requested', 'approval.approved']);
    expect(events[0]?.json.approve_url).toBe(`${a.url}/api/v1/approvals/${id}/approve`);
    expect(events[1]?.json.approve_url).toBe(`${b.url}/api/v1/approvals/${id}/approve`);
    expect((await a.api('POST', `/api/v1/approvals/${id}/reject`, OPERATOR_TOKEN)).status).toBe(409);
  });

  it('a rejection through B answers A\'s caller 403 approval_rejected with the reason', async () => {
    const { id, call } = await holdOnA('reject me');
    const rejected = await b.api('POST', `/api/v1/approvals/${id}/reject`, OPERATOR_TOKEN, { reason: 'too expensive' });
    expect(rejected.status).toBe(200);
    const err = await rejection(call);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.code).toBe('approval_rejected');
    expect(err.message).toContain('too expensive');
    expect(a.mock.requests.filter((r) => JSON.stringify(r.body).includes('reject me'))).toHaveLength(0);
    expect((await announced(id)).map((d) => d.json.event)).toEqual(['approval.requested', 'approval.rejected']);
  });

  it('approve through A and reject through B at the same moment: one wins, the other answers 409, and the call follows the winner', async () => {
    for (let round = 0; round < 3; round++) {
      const { id, call } = await holdOnA(`race ${round}`);
      const [viaA, viaB] = await Promise.all([
        a.api('POST', `/api/v1/approvals/${id}/approve`, OPERATOR_TOKEN),
        b.api('POST', `/api/v1/approvals/${id}/reject`, OPERATOR_TOKEN, { reason: 'no' }),
      ]);
      expect([viaA.status, viaB.status].sort()).toEqual([200, 409]);
      const loser = viaA.status === 409 ? viaA : viaB;
      expect(loser.json).toMatchObject({ error: { code: 'already_decided' } });
      if (viaA.status === 200) {
        expect((await call).choices[0]?.message.content).toBe(`Echo: race ${round}`);
      } else {
        expect((await rejection(call)).code).toBe('approval_rejected');
      }
      const events = (await announced(id)).map((d) => d.json.event);
      expect(events).toEqual(['approval.requested', viaA.status === 200 ? 'approval.approved' : 'approval.rejected']);
    }
  });

  it('a timeout settles once, on the gateway holding the call, and B sees it expired', async () => {
    const { id, call } = await holdOnA('nobody decides');
    const err = await rejection(call);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.code).toBe('approval_timeout');
    const expired = await b.api('GET', '/api/v1/approvals?status=expired', OPERATOR_TOKEN);
    expect(expired.json.data.find((x: { id: string }) => x.id === id)).toMatchObject({ status: 'expired', decided_by: null, resolution_reason: expect.stringContaining('no decision') });
    expect((await b.api('POST', `/api/v1/approvals/${id}/approve`, OPERATOR_TOKEN)).status).toBe(409);
    const events = await announced(id);
    expect(events.map((d) => d.json.event)).toEqual(['approval.requested', 'approval.expired']);
    expect(events[1]?.json.approve_url).toContain(a.url);
  });

  it('an approval whose gateway died is expired once, by whichever gateway reads it first', async () => {
    // What a gateway killed while holding a call leaves behind: a pending record past its time.
    const createdAt = Date.now() - TIMEOUT_MS - 10_000;
    const orphan = await new StoreApprovalQueue({ store: a.control.store, pollMs: 0 }).add({
      id: `apr_orphan_${Date.now()}`,
      requestId: 'req_orphan',
      route: 'openai.chat',
      requester: { org: 'default' },
      model: 'gpt-4o-mini',
      estimatedCostUsd: 0.01,
      decision: { decision: 'escalate', reason: 'costly' } as unknown as DecisionRecord,
      createdAt,
      expiresAt: createdAt + TIMEOUT_MS,
    });
    const [viaA, viaB] = await Promise.all([a.api('GET', '/api/v1/approvals', OPERATOR_TOKEN), b.api('GET', '/api/v1/approvals', OPERATOR_TOKEN)]);
    for (const listed of [viaA, viaB]) expect(listed.json.data.map((x: { id: string }) => x.id)).not.toContain(orphan.id);
    expect((await a.api('GET', `/api/v1/approvals/${orphan.id}`, OPERATOR_TOKEN)).json).toMatchObject({ status: 'expired', resolution_reason: expect.stringContaining('gone') });
    expect((await announced(orphan.id)).map((d) => d.json.event)).toEqual(['approval.expired']);
  });
});
