import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalGate } from '../../src/approvals/approval-gate.js';
import type { Approval } from '../../src/approvals/types.js';
import { MemoryApprovalQueue } from '../../src/approvals/memory-approval-queue.js';
import { webhookSignature } from '../../src/approvals/webhooks.js';
import { type Delivery, type WebhookReceiver, startWebhookReceiver } from '../fixtures/webhook-receiver.js';
import { type Stack, startStack } from './harness.js';
import { rejection } from '../fixtures/rejection.js';

const ADMIN = 'adm_test_token_0123456789';

let stack: Stack;
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  stack = await startStack({
    adminToken: ADMIN,
    approvals: {
      timeoutMs: 1_500,
      webhooks: [
        { url: `${hooks.url}/slack`, format: 'slack' },
        { url: `${hooks.url}/json`, format: 'json', secret: 'whsec_test' },
      ],
    },
  });
});
afterAll(async () => {
  await stack.close();
  await hooks.close();
});
beforeEach(() => {
  stack.mock.reset();
  hooks.deliveries.length = 0;
});

const admin = (path: string, init: RequestInit = {}, token = ADMIN) =>
  fetch(`${stack.gateway.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });

const gate = (): ApprovalGate => stack.gateway.approvals as ApprovalGate;

/** Waits for the gateway to hold the escalated call, then reads it from the admin listing. */
async function pendingApproval(): Promise<Record<string, unknown>> {
  const [held] = await gate().whenHeld(1);
  const body = (await (await admin('/api/v1/approvals')).json()) as { data: Record<string, unknown>[] };
  expect(body.data.map((a) => a.id)).toEqual([held?.id]);
  return body.data[0] as Record<string, unknown>;
}

/** Resolves when the gateway releases the held call `id` (settled here or elsewhere). */
function released(id: string): Promise<Approval> {
  return new Promise((resolve) => {
    const onReleased = (approval: Approval) => {
      if (approval.id !== id) return;
      gate().off('released', onReleased);
      resolve(approval);
    };
    gate().on('released', onReleased);
  });
}

const bigJob = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'a confidential prompt about the merger' }] };

describe('human approval of escalated calls', () => {
  it('holds an escalated call, lists it without the prompt, and completes it after approval', async () => {
    const call = stack.openai.chat.completions.create(bigJob).withResponse();
    const pending = await pendingApproval();
    expect(pending).toMatchObject({ status: 'pending', model: 'gpt-4.1', route: 'openai.chat', rule: 'approval_threshold', requester: { org: 'acme', team: 'search', user: 'dev@acme.com', key_id: 'key_dev' } });
    expect(typeof pending.estimated_cost_usd).toBe('number');
    expect(JSON.stringify(pending)).not.toContain('merger');
    expect(JSON.stringify(pending)).not.toContain('wk_dev');
    expect(stack.mock.requests).toHaveLength(0);

    const approved = await admin(`/api/v1/approvals/${pending.id as string}/approve`, { method: 'POST', body: JSON.stringify({ by: 'alice' }) });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ id: pending.id, status: 'approved', decided_by: 'alice' });

    const { data, response } = await call;
    expect(data.choices[0]?.message.content).toContain('merger');
    expect(response.headers.get('x-warden-approval-id')).toBe(pending.id);
    expect(stack.mock.requests).toHaveLength(1);
    const record = await stack.record(response.headers.get('x-request-id') as string);
    expect(record.approval).toMatchObject({ id: pending.id, status: 'approved', decidedBy: 'alice' });
    expect(record.status).toBe(200);

    const again = await admin(`/api/v1/approvals/${pending.id as string}/reject`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'already_decided' } });
    const listed = (await (await admin('/api/v1/approvals?status=approved')).json()) as { data: { id: string }[] };
    expect(listed.data.map((a) => a.id)).toContain(pending.id);
  });

  it('streams an approved call', async () => {
    const call = stack.openai.chat.completions.create({ ...bigJob, stream: true });
    const pending = await pendingApproval();
    await admin(`/api/v1/approvals/${pending.id as string}/approve`, { method: 'POST' });
    let text = '';
    for await (const chunk of await call) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('merger');
  });

  it('answers a rejection with PermissionDeniedError approval_rejected and the reason', async () => {
    const call = rejection(stack.openai.chat.completions.create(bigJob));
    const pending = await pendingApproval();
    const res = await admin(`/api/v1/approvals/${pending.id as string}/reject`, { method: 'POST', body: JSON.stringify({ reason: 'too expensive' }) });
    expect(res.status).toBe(200);
    const err = await call;
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.code).toBe('approval_rejected');
    expect(err.message).toContain('too expensive');
    expect((err.error as { warden: Record<string, unknown> }).warden).toMatchObject({ decision: 'escalate', rule: 'approval_threshold' });
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('answers approval_timeout when nobody decides in time', async () => {
    const started = Date.now();
    const err = await rejection(stack.openai.chat.completions.create(bigJob));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.code).toBe('approval_timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    const expired = (await (await admin('/api/v1/approvals?status=expired')).json()) as { data: unknown[] };
    expect(expired.data.length).toBeGreaterThan(0);
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('cancels the approval when the client disconnects', async () => {
    const controller = new AbortController();
    const call = stack.openai.chat.completions.create(bigJob, { signal: controller.signal }).catch((e: unknown) => e);
    const pending = await pendingApproval();
    const gone = released(pending.id as string);
    controller.abort();
    await call;
    expect((await gone).status).toBe('cancelled');
    expect(((await (await admin(`/api/v1/approvals/${pending.id as string}`)).json()) as { status: string }).status).toBe('cancelled');
    const late = await admin(`/api/v1/approvals/${pending.id as string}/approve`, { method: 'POST' });
    expect(late.status).toBe(409);
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('sends a Slack message and a signed JSON webhook', async () => {
    const call = rejection(stack.openai.chat.completions.create(bigJob));
    const pending = await pendingApproval();
    await hooks.received(2);
    const slack = hooks.deliveries.find((d) => d.path === '/slack') as Delivery;
    expect(slack.json.text).toContain(pending.id);
    const blocks = JSON.stringify(slack.json.blocks);
    expect(blocks).toContain(`/api/v1/approvals/${pending.id as string}/approve`);
    expect(blocks).toContain('curl -X POST');
    expect(blocks).not.toContain(ADMIN);

    const json = hooks.deliveries.find((d) => d.path === '/json') as Delivery;
    expect(json.headers['x-warden-event']).toBe('approval.requested');
    const timestamp = json.headers['x-warden-timestamp'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(json.headers['x-warden-signature']).toBe(webhookSignature('whsec_test', timestamp, json.raw));
    expect(json.json).toMatchObject({ event: 'approval.requested', approval: { id: pending.id, status: 'pending' } });
    expect(json.raw).not.toContain('merger');

    await admin(`/api/v1/approvals/${pending.id as string}/reject`, { method: 'POST' });
    await call;
  });

  it('guards the admin endpoints', async () => {
    const none = await fetch(`${stack.gateway.url}/api/v1/approvals`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(none.headers.get('x-request-id')).toMatch(/^req_/);
    expect((await admin('/api/v1/approvals', {}, 'wrong-token')).status).toBe(401);
    expect((await admin('/api/v1/approvals/apr_nope/approve', { method: 'POST' })).status).toBe(404);
    expect((await admin('/api/v1/approvals?status=maybe')).status).toBe(400);
    expect((await admin('/api/v1/approvals/apr_x/approve', { method: 'POST', body: '{"reason": 5}' })).status).toBe(400);
  });

  it('answers 503 store_unavailable, and calls nothing upstream, when the approval cannot be recorded', async () => {
    const down = new MemoryApprovalQueue();
    down.add = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const broken = await startStack({ adminToken: ADMIN, approvalQueue: down });
    try {
      const err = await rejection(broken.openai.chat.completions.create(bigJob));
      expect(err.status).toBe(503);
      expect(err.code).toBe('store_unavailable');
      expect(err.message).not.toContain('ECONNREFUSED');
      expect(broken.mock.requests).toHaveLength(0);
    } finally {
      await broken.close();
    }
  });

  it('answers 403 admin_disabled without a configured admin token, and escalations stay 403', async () => {
    const plain = await startStack();
    try {
      const res = await fetch(`${plain.gateway.url}/api/v1/approvals`, { headers: { authorization: 'Bearer anything' } });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'admin_disabled', message: expect.stringContaining('WARDEN_ADMIN_TOKEN') } });
      const err = await rejection(plain.openai.chat.completions.create(bigJob));
      expect(err.code).toBe('approval_required');
    } finally {
      await plain.close();
    }
  });
});
