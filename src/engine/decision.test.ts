import { describe, expect, it } from 'vitest';
import { decisionRecord } from './decision-record.js';
import { statusOf } from './errors.js';
import { NOW, compile, policy, request, tenant } from './test-helpers.js';

// Seed 002's policy definition, as written.
const SEED_POLICY = {
  policy_name: 'dev_team_restrictions',
  environment: 'development',
  rules: [
    { type: 'model_access', models: ['gpt-4o-mini', 'claude-3-haiku'], max_cost_per_day: 100.0 },
    { type: 'content_filter', patterns: ['password', 'api_key'], action: 'block' },
  ],
};

describe('decision record', () => {
  const set = compile([SEED_POLICY]);

  it('reproduces the seed 002 audit response for a blocked call', () => {
    const d = set.decide(request({ prompt: 'here is my api_key' }), tenant({ user: 'dev@acme.com', environment: 'development' }), NOW);
    const record = decisionRecord(d);
    expect({
      decision: record.decision,
      policy: record.policy,
      rule: record.rule,
      reason: record.reason,
      user: record.user,
      environment: record.environment,
      timestamp: record.timestamp,
      request_id: record.request_id,
    }).toEqual({
      decision: 'block',
      policy: 'dev_team_restrictions',
      rule: 'content_filter',
      reason: 'Pattern matched: api_key',
      user: 'dev@acme.com',
      environment: 'development',
      timestamp: '2025-01-15T10:30:00.000Z',
      request_id: 'req_abc123',
    });
    expect(record.code).toBe('content_blocked');
    expect(statusOf(record.code as string)).toBe(403);
  });

  it('carries outcomes, modifications, claims, estimate and revision on the Decision', () => {
    const d = set.decide(request({ maxOutputTokens: 100 }), tenant(), NOW);
    expect(d.action).toBe('allow');
    expect(d.policy).toBeNull();
    expect(d.rule).toBeNull();
    expect(d.reason).toBe('allowed');
    expect(d.outcomes.map((o) => [o.policy, o.rule, o.type, o.stage, o.outcome, o.shadow])).toEqual([
      ['dev_team_restrictions', 'model_access', 'model_access', 'access', 'pass', false],
      ['dev_team_restrictions', 'content_filter', 'content_filter', 'content', 'pass', false],
    ]);
    for (const o of d.outcomes) expect(o.durationUs).toBeGreaterThanOrEqual(0);
    expect(d.modifications).toEqual({ redactions: [] });
    expect(d.claims).toEqual([{ policy: 'dev_team_restrictions', rule: 'model_access', scope: 'org:acme', metric: 'usd', window: 'day', limit: 100, amount: (9 + 200) / 1e6 }]);
    expect(d.estimate).toEqual({ model: 'gpt-4o-mini', inputTokens: 9, tokensApproximate: false, maxOutputTokens: 100, costUsd: 209 / 1e6, priceSource: 'override' });
    expect(d.revision).toMatch(/^[0-9a-f]{12}$/);
    expect(d.durationUs).toBeGreaterThanOrEqual(0);
  });

  it('has a revision that is stable for the same documents and changes with them', () => {
    expect(compile([SEED_POLICY]).revision).toBe(set.revision);
    const changed = { ...SEED_POLICY, rules: [{ type: 'content_filter', patterns: ['password'] }] };
    expect(compile([changed]).revision).not.toBe(set.revision);
  });

  it('refuses with no claims: a blocked call reserves nothing', () => {
    const d = set.decide(request({ prompt: 'password' }), tenant(), NOW);
    expect(d.action).toBe('block');
    expect(d.claims).toEqual([]);
  });

  it('names the end user when the key has none, and null when nobody is named', () => {
    expect(set.decide(request({ endUser: 'end@x.com' }), tenant({ user: undefined }), NOW).user).toBe('end@x.com');
    const anonymous = set.decide(request(), tenant({ user: undefined, environment: undefined }), NOW);
    expect(anonymous.user).toBeNull();
    expect(anonymous.environment).toBeNull();
  });

  it('carries retryAfterSeconds on a throttle, as retry_after_seconds in the record', () => {
    const throttled = compile([policy([{ type: 'custom', ref: 't' }])], { customRules: { t: () => ({ allow: false, action: 'throttle', retryAfterSeconds: 12 }) } });
    const d = throttled.decide(request(), tenant(), NOW);
    expect(d).toMatchObject({ action: 'throttle', code: 'rate_limited', retryAfterSeconds: 12 });
    expect(decisionRecord(d).retry_after_seconds).toBe(12);
    expect(statusOf('rate_limited')).toBe(429);
  });

  it('records the requested and used model when a rule swaps it', () => {
    const downgrade = compile([policy([{ type: 'model_downgrade', fallback: 'gpt-4o-mini', models: ['gpt-4o'] }])]);
    const record = decisionRecord(downgrade.decide(request({ model: 'gpt-4o' }), tenant(), NOW));
    expect(record.model).toEqual({ requested: 'gpt-4o', used: 'gpt-4o-mini' });
  });

  it('lists redactions by entity and count, never the redacted text', () => {
    const redact = compile([policy([{ type: 'content_filter', keywords: ['hunter2'], action: 'redact' }])]);
    const d = redact.decide(request({ prompt: 'pw hunter2' }), tenant(), NOW);
    const record = decisionRecord(d);
    expect(record.redactions).toEqual([{ entity: 'pattern:hunter2', count: 1 }]);
    expect(record.decision).toBe('modify');
    expect(JSON.stringify(record)).not.toContain('pw hunter2');
  });

  // Regression: the record once said the client requested the default model it never named.
  it('records requested: null when the client named no model and a default was used', () => {
    const withDefault = compile([policy([{ type: 'model_access', default_model: 'gpt-4o-mini' }])]);
    const record = decisionRecord(withDefault.decide(request({ model: undefined }), tenant(), NOW));
    expect(record.model).toEqual({ requested: null, used: 'gpt-4o-mini' });
  });
});
