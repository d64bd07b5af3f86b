// `/metrics` of a real gateway after allowed, redacted, blocked, throttled and streamed calls
// made with the official OpenAI SDK against the mock upstream.
import OpenAI from 'openai';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicies } from '../../src/engine/engine.js';
import { DEV_KEY, LIMITED_KEY, POLICIES, type Stack, startStack } from '../gateway/harness.js';
import { scrape, value } from './scrape.js';

let stack: Stack;
beforeAll(async () => {
  // Two model labels only, so the third distinct model shows the cap.
  stack = await startStack({ observability: { maxModelLabels: 2 } });
});
afterAll(() => stack.close());

describe('GET /metrics', () => {
  it('counts allowed, blocked, redacted, throttled and streamed calls with bounded labels', async () => {
    const { openai } = stack;
    const ok = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(ok.choices[0]?.message.content).toBe('Echo: hello');
    const blocked = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my api_key is 42' }] }).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(OpenAI.PermissionDeniedError);
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'code SECRET-1234 here' }] });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'stream me' }] });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe('Echo: stream me');
    await openai.chat.completions.create({ model: 'gpt-4.1-not-allowed-xyz', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);

    // The limited key allows 2 requests a minute: the third is throttled.
    const limited = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: LIMITED_KEY, maxRetries: 0 });
    await limited.models.list();
    await limited.models.list();
    const throttled = await limited.models.list().catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(OpenAI.RateLimitError);
    await waitForRecords(7);

    const { status, contentType, samples, text } = await scrape(stack.gateway.url);
    expect(status).toBe(200);
    expect(contentType).toContain('text/plain');

    // Requests and decisions by route, provider, model, action, policy and rule.
    expect(value(samples, 'warden_requests_total', { route: 'openai.chat', provider: 'openai', model: 'gpt-4o-mini', action: 'allow', status: '200' })).toBe(1);
    expect(value(samples, 'warden_requests_total', { route: 'openai.chat', model: 'gpt-4o-mini', action: 'block', status: '403' })).toBe(1);
    expect(value(samples, 'warden_requests_total', { route: 'openai.chat', model: 'gpt-4o-mini', action: 'modify', status: '200' })).toBe(1);
    expect(value(samples, 'warden_requests_total', { route: 'openai.models', status: '429' })).toBe(1);
    expect(value(samples, 'warden_decisions_total', { action: 'block', policy: 'dev_team_restrictions', rule: 'no_api_keys', rule_type: 'content_filter', code: 'content_blocked' })).toBe(1);
    expect(value(samples, 'warden_decisions_total', { action: 'allow', policy: 'none', rule: 'none' })).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'warden_rule_outcomes_total', { policy: 'dev_team_restrictions', rule: 'redact_codes', stage: 'content', outcome: 'modify' })).toBe(1);
    // Blocks and redactions by detector and entity type.
    expect(value(samples, 'warden_detections_total', { detector: 'content_filter', outcome: 'block' })).toBe(1);
    expect(value(samples, 'warden_detections_total', { detector: 'content_filter', outcome: 'modify' })).toBe(1);

    // The cap: gpt-4o-mini and gpt-4o are labels, the refused unknown model is `other`.
    const models = new Set(samples.filter((s) => s.name === 'warden_requests_total').map((s) => s.labels.model));
    expect(models).toEqual(new Set(['gpt-4o-mini', 'gpt-4o', 'other', 'none']));
    expect(text).not.toContain('gpt-4.1-not-allowed-xyz');

    // Latency histograms: engine, stages, upstream, whole request, time to first token.
    expect(value(samples, 'warden_engine_decision_duration_seconds_count')).toBe(5);
    expect(value(samples, 'warden_engine_decision_duration_seconds_bucket', { le: '+Inf' })).toBe(5);
    // The refused model stops at the access stage; the other four reach content.
    expect(value(samples, 'warden_engine_stage_duration_seconds_count', { stage: 'access' })).toBe(5);
    expect(value(samples, 'warden_engine_stage_duration_seconds_count', { stage: 'content' })).toBe(4);
    expect(value(samples, 'warden_upstream_duration_seconds_count', { provider: 'openai', route: 'openai.chat', status: '200' })).toBe(3);
    expect(value(samples, 'warden_request_duration_seconds_count', { route: 'openai.chat', stream: 'true', status: '200' })).toBe(1);
    expect(value(samples, 'warden_request_duration_seconds_bucket', { route: 'openai.chat', stream: 'false', le: '+Inf' })).toBe(4);
    expect(value(samples, 'warden_time_to_first_token_seconds_count', { route: 'openai.chat', model: 'gpt-4o' })).toBe(1);
    expect(value(samples, 'warden_time_to_first_token_seconds_bucket', { model: 'gpt-4o', le: '30' })).toBe(1);

    // Tokens and spend by org, team, key and model.
    expect(value(samples, 'warden_tokens_total', { org: 'acme', team: 'search', key: 'key_dev', model: 'gpt-4o-mini', kind: 'input' })).toBeGreaterThan(0);
    expect(value(samples, 'warden_tokens_total', { key: 'key_dev', model: 'gpt-4o', kind: 'output' })).toBeGreaterThan(0);
    expect(value(samples, 'warden_spend_usd_total', { org: 'acme', key: 'key_dev', model: 'gpt-4o' })).toBeGreaterThan(0);

    // Rate-limit headroom from the RateLimit-* values sent to the client.
    expect(value(samples, 'warden_rate_limit_limit', { key: 'key_limited' })).toBe(2);
    expect(value(samples, 'warden_rate_limit_remaining', { key: 'key_limited' })).toBe(0);
    expect(value(samples, 'warden_rate_limit_remaining', { key: 'key_dev' })).toBeGreaterThan(90);

    expect(value(samples, 'warden_requests_in_flight')).toBe(0);
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // Bounded labels: no request ids, no prompt text, no keys.
    for (const leak of ['req_', 'SECRET-1234', 'api_key is', DEV_KEY, 'stream me']) expect(text).not.toContain(leak);
  });

  it('reports the USD left in each org and team budget from the counter store', async () => {
    const budgets = [...POLICIES, { policy_name: 'spend', rules: [{ type: 'budget', scope: 'team', max_usd: 5, window: 'day' }, { type: 'budget', name: 'org_month', scope: 'org', max_usd: 100 }] }];
    const spend = await startStack({ policies: compilePolicies(budgets) });
    try {
      await spend.openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'spend a little' }] });
      await spend.record((await spend.openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'and more' }] }).withResponse()).response.headers.get('x-request-id') as string);
      const { samples } = await scrape(spend.gateway.url);
      const team = value(samples, 'warden_budget_remaining_usd', { scope: 'team:acme/search', window: 'day', policy: 'spend', rule: 'budget' });
      expect(team).toBeLessThan(5);
      expect(team).toBeGreaterThan(4.9);
      const org = value(samples, 'warden_budget_remaining_usd', { scope: 'org:acme', window: 'month', rule: 'org_month' });
      expect(org).toBeCloseTo(100 - (5 - team), 9);
    } finally {
      await spend.close();
    }
  });

  it('counts a call throttled by a rate_limit rule under the rule that refused it', async () => {
    const limited = [...POLICIES, { policy_name: 'limits', rules: [{ type: 'rate_limit', name: 'two_a_minute', requests_per_minute: 2 }] }];
    const stack2 = await startStack({ policies: compilePolicies(limited) });
    try {
      await stack2.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one' }] });
      await stack2.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'two' }] });
      const err = await stack2.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'three' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      await stack2.recordCount(3);
      const { samples } = await scrape(stack2.gateway.url);
      expect(value(samples, 'warden_requests_total', { route: 'openai.chat', action: 'throttle', status: '429' })).toBe(1);
      expect(value(samples, 'warden_decisions_total', { action: 'throttle', policy: 'limits', rule: 'two_a_minute', rule_type: 'rate_limit' })).toBe(1);
      // The gauge shows what the client was told on its last response.
      const told = Number((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('ratelimit-remaining'));
      expect(value(samples, 'warden_rate_limit_remaining', { key: 'key_dev' })).toBe(told);
    } finally {
      await stack2.close();
    }
  });

  it('counts findings of the output stage in responses', async () => {
    const output = await startStack({ policies: compilePolicies([{ policy_name: 'out', rules: [{ type: 'secrets', action: 'redact', apply_to: ['output'] }] }]) });
    try {
      const reply = await output.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'repeat AKIAZ7QKXJ3MPLW4TRVN please' }] });
      expect(reply.choices[0]?.message.content).not.toContain('AKIAZ7QKXJ3MPLW4TRVN');
      await output.recordCount(1);
      const { samples, text } = await scrape(output.gateway.url);
      expect(value(samples, 'warden_output_detections_total', { policy: 'out', rule: 'secrets', action: 'redact' })).toBe(1);
      expect(text).not.toContain('AKIAZ7QKXJ3MPLW4TRVN');
    } finally {
      await output.close();
    }
  });

  it('keeps each gateway in its own registry', async () => {
    const registry = new Registry();
    const other = await startStack({ observability: { registry, processMetrics: false } });
    try {
      await other.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      const own = await scrape(other.gateway.url);
      expect(value(own.samples, 'warden_requests_total')).toBe(1);
      expect(value(own.samples, 'process_cpu_user_seconds_total')).toBe(0);
      expect(await registry.getSingleMetricAsString('warden_requests_total')).toContain('model="gpt-4o-mini"');
    } finally {
      await other.close();
    }
  });

  it('asks for a bearer token when metricsToken is set', async () => {
    const guarded = await startStack({ observability: { metricsToken: 'scrape-token-0123456789' } });
    try {
      expect((await scrape(guarded.gateway.url)).status).toBe(401);
      expect((await scrape(guarded.gateway.url, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await scrape(guarded.gateway.url, { authorization: 'Bearer scrape-token-0123456789' })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('shows the approval queue depth while a call waits for a human', async () => {
    const held = await startStack({ adminToken: 'admin-token-0123456789' });
    try {
      const call = held.openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'expensive' }] }).catch((e: unknown) => e);
      await held.gateway.approvals?.whenHeld(1);
      expect(value((await scrape(held.gateway.url)).samples, 'warden_approvals_pending')).toBe(1);
      expect(value((await scrape(held.gateway.url)).samples, 'warden_requests_in_flight')).toBe(1);
      await held.gateway.close();
      expect(await call).toBeInstanceOf(OpenAI.APIError);
    } finally {
      await held.mock.close();
    }
  });
});

async function waitForRecords(count: number): Promise<void> {
  await stack.recordCount(count);
}
