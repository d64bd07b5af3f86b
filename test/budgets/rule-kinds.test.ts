import { describe, expect, it } from 'vitest';
import { enforce, release, settle } from '../../src/budgets/index.js';
import type { EnforceResult } from '../../src/budgets/index.js';
import { CounterStoreUnavailableError, createMemoryCounterStore } from '../../src/counters/index.js';
import type { CounterStore } from '../../src/counters/index.js';
import { compile, fixedPricing, issuesOf, policy, request, ruleIssues, tenant } from '../../src/engine/test-helpers.js';
import { keyBudgetIssue } from '../../src/rules/budget/hierarchy.js';
import type { LlmRequest, Tenant } from '../../src/engine/types.js';

// Model `m` costs $0.01 per output token and nothing per input token, so a call with
// max_tokens 1 has a worst case of exactly $0.01.
const pricing = fixedPricing({ m: [0, 10_000] });
const CALL = (overrides: Partial<LlmRequest> = {}) => request({ model: 'm', maxOutputTokens: 1, ...overrides });
const T0 = Date.parse('2026-11-22T10:00:00Z');
let seq = 0;

/** decide + enforce; settles at the worst case unless told otherwise. */
async function call(rules: unknown[], store: CounterStore, now: number, opts: { req?: LlmRequest; who?: Tenant; settleUsd?: number | null; toolCalls?: number; keep?: boolean; docs?: unknown[] } = {}): Promise<EnforceResult> {
  const set = compile(opts.docs ?? [policy(rules)], { pricing });
  const decision = set.decide({ ...(opts.req ?? CALL()), requestId: `r${++seq}` }, opts.who ?? tenant(), now);
  expect(['allow', 'modify']).toContain(decision.action);
  const result = await enforce(decision, store, { now });
  if (result.ok && result.reservation && !opts.keep) {
    await settle(result.reservation, { costUsd: opts.settleUsd === undefined ? decision.estimate.costUsd : opts.settleUsd, tokens: null, toolCalls: opts.toolCalls ?? 0 }, now + 1);
  }
  return result;
}
const refused = (r: EnforceResult) => {
  if (r.ok) throw new Error('expected a refusal');
  return r;
};

describe('budget', () => {
  it('refuses a config without a cap, and per-user caps outside scope user', () => {
    expect(ruleIssues({ type: 'budget', scope: 'org' }, { pricing }).map((i) => i.path)).toEqual(['rules[0]']);
    expect(ruleIssues({ type: 'budget', scope: 'team', per_user_usd: { a: 1 } }, { pricing }).map((i) => i.path)).toEqual(['rules[0].per_user_usd']);
    expect(ruleIssues({ type: 'budget', scope: 'planet', max_usd: 1 }, { pricing }).map((i) => i.path)).toEqual(['rules[0].scope']);
  });

  it('daily: admits what fits, refuses with Retry-After until UTC midnight, and resets there', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'budget', scope: 'team', window: 'day', max_usd: 0.05 }];
    for (let i = 0; i < 5; i++) expect((await call(rules, store, T0 + i)).ok).toBe(true);
    const r = refused(await call(rules, store, T0 + 10));
    expect(r.status).toBe(429);
    expect(r.decision).toMatchObject({ action: 'throttle', code: 'budget_exceeded', rule: 'budget', policy: 'test_policy', retryAfterSeconds: 14 * 3600 });
    expect(r.decision.reason).toContain('budget of $0.05 per day for team:acme/search would be passed');
    expect(r.decision.outcomes.find((o) => o.type === 'budget')).toMatchObject({ outcome: 'throttle', code: 'budget_exceeded' });
    expect((await call(rules, store, Date.parse('2026-11-22T23:59:59Z'))).ok).toBe(false);
    expect((await call(rules, store, Date.parse('2026-11-23T00:00:00Z'))).ok).toBe(true);
  });

  it('monthly: resets on the first of the month at 00:00 UTC', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'budget', scope: 'org', window: 'month', max_usd: 0.02 }];
    const end = Date.parse('2026-11-30T23:59:58Z');
    expect((await call(rules, store, end)).ok).toBe(true);
    expect((await call(rules, store, end)).ok).toBe(true);
    const r = refused(await call(rules, store, end + 1000));
    expect(r.decision.retryAfterSeconds).toBe(1);
    expect((await call(rules, store, Date.parse('2026-12-01T00:00:00Z'))).ok).toBe(true);
  });

  it('settles to the actual cost, giving back the rest of the worst case', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'budget', scope: 'key', window: 'day', max_usd: 0.02 }];
    // $0.005 settled each: the third call sees $0.01 spent + $0.01 worst case = the cap.
    for (let i = 0; i < 3; i++) expect((await call(rules, store, T0, { settleUsd: 0.005 })).ok).toBe(true);
    expect((await call(rules, store, T0, { settleUsd: 0.005 })).ok).toBe(false);
  });

  it('session (seed 000 max_session_usd): a total per session id; calls without one are not counted', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'budget', name: 'session_budget', scope: 'session', max_usd: 0.02 }];
    const s1 = CALL({ sessionId: 's1' });
    expect((await call(rules, store, T0, { req: s1 })).ok).toBe(true);
    expect((await call(rules, store, T0, { req: s1 })).ok).toBe(true);
    const r = refused(await call(rules, store, T0 + 86_400_000 * 20, { req: s1 }));
    expect(r.decision.retryAfterSeconds).toBeUndefined();
    expect(r.decision.reason).toContain('in total for session:acme/s1');
    expect(r.decision.reason).toContain('waiting will not help');
    expect((await call(rules, store, T0, { req: CALL({ sessionId: 's2' }) })).ok).toBe(true);
    expect(await call(rules, store, T0)).toMatchObject({ ok: true, reservation: null });
  });

  it('mission: caps calls and tokens per x-warden-mission-id or label', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'budget', scope: 'mission', max_calls: 2, max_tokens: 1000 }];
    const m = CALL({ missionId: 'run-7' });
    expect((await call(rules, store, T0, { req: m })).ok).toBe(true);
    expect((await call(rules, store, T0, { req: CALL({ labels: { mission_id: 'run-7' } }) })).ok).toBe(true);
    const r = refused(await call(rules, store, T0, { req: m }));
    expect(r.decision.reason).toContain('budget of 2 calls in total for mission:acme/run-7');
  });

  it('per user from a map with a default (seed 003 PerUserBudgetRule)', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'budget', scope: 'user', window: 'month', per_user_usd: { power: 0.03 }, default_max_usd: 0.01 }];
    const power = tenant({ user: 'power' });
    const other = tenant({ user: 'free' });
    for (let i = 0; i < 3; i++) expect((await call(rules, store, T0, { who: power })).ok).toBe(true);
    expect((await call(rules, store, T0, { who: power })).ok).toBe(false);
    expect((await call(rules, store, T0, { who: other })).ok).toBe(true);
    expect((await call(rules, store, T0, { who: other })).ok).toBe(false);
  });

  it('checks every level in one reservation: a spent team refuses, and nothing is held against the key', async () => {
    const store = createMemoryCounterStore();
    const docs = [
      policy([{ type: 'budget', scope: 'team', window: 'day', max_usd: 0.01 }], { policy_name: 'team', scope: { org: 'acme', team: 'search' } }),
      policy([{ type: 'budget', scope: 'key', window: 'day', max_usd: 1 }], { policy_name: 'key', scope: { org: 'acme', key: 'key_1' } }),
    ];
    expect((await call([], store, T0, { docs })).ok).toBe(true);
    const r = refused(await call([], store, T0, { docs }));
    expect(r.decision.policy).toBe('team');
    expect(await store.usage(['budget:usd:key:acme/key_1:day:2026-11-22'], T0)).toEqual([10_000]);
  });

  it('two rules on one counter share it; the tighter cap decides', async () => {
    const store = createMemoryCounterStore();
    const docs = [
      policy([{ type: 'budget', name: 'org_wide', scope: 'team', window: 'day', max_usd: 1 }], { policy_name: 'org', scope: { org: 'acme' } }),
      policy([{ type: 'model_access', max_cost_per_day: 0.01 }], { policy_name: 'team', scope: { org: 'acme', team: 'search' } }),
    ];
    expect((await call([], store, T0, { docs })).ok).toBe(true);
    expect(refused(await call([], store, T0, { docs })).decision.rule).toBe('model_access');
  });
});

describe('rate_limit', () => {
  it('needs at least one limit', () => {
    expect(ruleIssues({ type: 'rate_limit' }).map((i) => i.path)).toEqual(['rules[0]']);
  });

  it('requests per minute over a sliding minute, with the numbers for RateLimit-* headers', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'rate_limit', requests_per_minute: 3 }];
    const first = await call(rules, store, T0);
    expect(first.ok && first.rateLimit).toEqual({ limit: 3, remaining: 2, resetSeconds: 60 });
    await call(rules, store, T0 + 10_000);
    const third = await call(rules, store, T0 + 20_000);
    expect(third.ok && third.rateLimit).toEqual({ limit: 3, remaining: 0, resetSeconds: 40 });
    const r = refused(await call(rules, store, T0 + 30_000));
    expect(r.decision).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 30 });
    expect(r.decision.reason).toContain('rate limit of 3 calls per 60 s for key:acme/key_1 reached');
    // Sliding: the first call leaves at T0 + 60 s, not at a minute boundary.
    expect((await call(rules, store, T0 + 60_001)).ok).toBe(true);
    expect((await call(rules, store, T0 + 60_002)).ok).toBe(false);
  });

  it('tokens per minute reserve the worst case and settle to the actual', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'rate_limit', scope: 'org', tokens_per_minute: 130 }];
    const req = CALL({ maxOutputTokens: 50 }); // 9 input + 50 output
    const set = compile([policy(rules)], { pricing });
    const a = await enforce(set.decide({ ...req, requestId: 'a' }, tenant(), T0), store, { now: T0 });
    const b = await enforce(set.decide({ ...req, requestId: 'b' }, tenant(), T0), store, { now: T0 });
    expect(a.ok && b.ok).toBe(true);
    expect((await enforce(set.decide({ ...req, requestId: 'c' }, tenant(), T0), store, { now: T0 })).ok).toBe(false);
    if (a.ok && a.reservation) await settle(a.reservation, { costUsd: null, tokens: 10 }, T0 + 1);
    expect((await enforce(set.decide({ ...req, requestId: 'd' }, tenant(), T0), store, { now: T0 + 2 })).ok).toBe(true);
  });

  it('concurrent calls: a slot frees when the call settles or is released', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'rate_limit', concurrent: 1 }];
    const held = await call(rules, store, T0, { keep: true });
    const r = refused(await call(rules, store, T0));
    expect(r.decision.reason).toContain('1 calls of key:acme/key_1 already in flight');
    if (held.ok && held.reservation) await release(held.reservation, T0 + 1);
    expect((await call(rules, store, T0 + 2)).ok).toBe(true);
  });

  it('per model', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'rate_limit', scope: 'model', requests_per_minute: 1 }];
    expect((await call(rules, store, T0)).ok).toBe(true);
    expect(refused(await call(rules, store, T0)).decision.reason).toContain('model:acme/m');
  });
});

describe('velocity', () => {
  it('needs max_requests or max_cost_usd', () => {
    expect(ruleIssues({ type: 'velocity', window_seconds: 60 }).map((i) => i.path)).toEqual(['rules[0]']);
  });

  it('spend rate over a sliding window ($0.03 per hour)', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'velocity', scope: 'org', window_seconds: 3600, max_cost_usd: 0.03 }];
    for (const t of [0, 600_000, 1_200_000]) expect((await call(rules, store, T0 + t)).ok).toBe(true);
    const r = refused(await call(rules, store, T0 + 1_800_000));
    expect(r.decision).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1800 });
    expect((await call(rules, store, T0 + 3_600_001)).ok).toBe(true);
  });

  it('request rate per session', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'velocity', scope: 'session', window_seconds: 10, max_requests: 1 }];
    expect((await call(rules, store, T0, { req: CALL({ sessionId: 'a' }) })).ok).toBe(true);
    expect((await call(rules, store, T0, { req: CALL({ sessionId: 'a' }) })).ok).toBe(false);
    expect((await call(rules, store, T0, { req: CALL({ sessionId: 'b' }) })).ok).toBe(true);
  });
});

describe('forecast_budget', () => {
  it('blocks when 30 days at the lookback average would pass the monthly budget', async () => {
    const store = createMemoryCounterStore();
    // $0.30 a month = $0.01 a day. Two days ago and yesterday spent $0.01 each (lookback 3).
    const rules = [{ type: 'forecast_budget', monthly_budget_usd: 0.3, lookback_days: 3 }];
    const day = 86_400_000;
    expect((await call(rules, store, T0 - 2 * day)).ok).toBe(true);
    expect((await call(rules, store, T0 - day)).ok).toBe(true);
    // Today: (0.01 + 0.01 + this 0.01) / 3 * 30 = $0.30, not above.
    expect((await call(rules, store, T0)).ok).toBe(true);
    const r = refused(await call(rules, store, T0));
    expect(r.decision).toMatchObject({ code: 'budget_exceeded', rule: 'forecast_budget', retryAfterSeconds: 14 * 3600 });
    expect(r.decision.reason).toContain('projected 30-day spend of org:acme is $0.40');
    // Four days later the history has aged out of the lookback.
    expect((await call(rules, store, T0 + 4 * day)).ok).toBe(true);
  });
});

describe('dedup_guard', () => {
  it('refuses an identical request within the TTL and says when it may be retried', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'dedup_guard', ttl_seconds: 60 }];
    expect((await call(rules, store, T0)).ok).toBe(true);
    const r = refused(await call(rules, store, T0 + 15_000, { req: CALL({ messages: [{ role: 'user', content: '  hello ' }] }) }));
    expect(r.status).toBe(429);
    expect(r.decision).toMatchObject({ code: 'duplicate_request', retryAfterSeconds: 45 });
    expect(r.decision.reason).toBe('duplicate of an identical request sent within the last 60 s; it may be retried in 45 s');
    expect((await call(rules, store, T0 + 15_000, { req: CALL({ messages: [{ role: 'user', content: 'something else' }] }) })).ok).toBe(true);
    expect((await call(rules, store, T0 + 60_001)).ok).toBe(true);
  });

  it('a released call does not block its own retry', async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'dedup_guard', ttl_seconds: 60 }];
    const first = await call(rules, store, T0, { keep: true });
    if (first.ok && first.reservation) await release(first.reservation, T0 + 1);
    expect((await call(rules, store, T0 + 2)).ok).toBe(true);
  });
});

describe('loop_breaker', () => {
  it("counts the tool calls responses make and blocks once the session's count passes the ceiling", async () => {
    const store = createMemoryCounterStore();
    const rules = [{ type: 'loop_breaker', max_tool_calls: 3 }];
    const req = CALL({ sessionId: 'agent' });
    expect((await call(rules, store, T0, { req, toolCalls: 2 })).ok).toBe(true);
    expect((await call(rules, store, T0, { req, toolCalls: 1 })).ok).toBe(true);
    expect((await call(rules, store, T0, { req, toolCalls: 1 })).ok).toBe(true);
    const r = refused(await call(rules, store, T0, { req }));
    expect(r.status).toBe(403);
    expect(r.decision).toMatchObject({ action: 'block', code: 'loop_detected' });
    expect(r.decision.reason).toContain('made 4 tool calls, more than the ceiling of 3');
    expect((await call(rules, store, T0, { req: CALL({ sessionId: 'fresh' }) })).ok).toBe(true);
  });
});

describe('counter store unreachable', () => {
  const memory = createMemoryCounterStore();
  const down: CounterStore = {
    reserve: () => Promise.reject(new CounterStoreUnavailableError('reserve', new Error('connect ECONNREFUSED'))),
    usage: () => Promise.reject(new CounterStoreUnavailableError('usage', new Error('connect ECONNREFUSED'))),
    settle: (...a) => memory.settle(...a),
    release: (...a) => memory.release(...a),
    setIfAbsent: (...a) => memory.setIfAbsent(...a),
    add: (...a) => memory.add(...a),
    ping: () => memory.ping(),
    close: () => memory.close(),
  };

  it('fails closed by default: 503 counter_store_unavailable saying why', async () => {
    const r = refused(await call([{ type: 'budget', scope: 'org', max_usd: 1 }], down, T0));
    expect(r.status).toBe(503);
    expect(r.decision).toMatchObject({ code: 'counter_store_unavailable', rule: 'budget' });
    expect(r.decision.reason).toContain('ECONNREFUSED');
  });

  it('fails open when every applicable rule says fail_open', async () => {
    const r = await call([{ type: 'budget', scope: 'org', max_usd: 1, fail_open: true }, { type: 'forecast_budget', monthly_budget_usd: 1, fail_open: true }], down, T0);
    expect(r).toMatchObject({ ok: true, reservation: null });
    expect(r.ok && r.unmetered).toContain('fails open');
    expect((await call([{ type: 'budget', scope: 'org', max_usd: 1, fail_open: true }, { type: 'rate_limit', requests_per_minute: 5 }], down, T0)).ok).toBe(false);
  });
});

describe('budget hierarchy (seed 004)', () => {
  const org = (max: number, window = 'day') => policy([{ type: 'budget', scope: 'org', window, max_usd: max }], { policy_name: 'org', scope: { org: 'acme' } });
  const team = (max: number, window = 'day') => policy([{ type: 'budget', scope: 'team', window, max_usd: max }], { policy_name: 'team', scope: { org: 'acme', team: 'search' } });
  const key = (max: number) => policy([{ type: 'budget', scope: 'key', window: 'day', max_usd: max }], { policy_name: 'key', scope: { org: 'acme', team: 'search', key: 'k1' } });

  it('refuses a team budget above its org budget, and a key budget above its team budget, with paths', () => {
    const issues = issuesOf([org(100), team(200), key(300)], { pricing });
    expect(issues.map((i) => i.path)).toEqual(['policies[1].rules[0].max_usd', 'policies[2].rules[0].max_usd']);
    expect(issues[0]?.message).toContain('the team budget (200 USD per day) is above the org budget it sits within (100 in policy org');
  });

  it('accepts children within their parents, other windows, and other orgs', () => {
    expect(() => compile([org(100), team(50), key(10)], { pricing })).not.toThrow();
    expect(() => compile([org(100, 'month'), team(200, 'day')], { pricing })).not.toThrow();
    const otherOrg = policy([{ type: 'budget', scope: 'org', window: 'day', max_usd: 1 }], { policy_name: 'other', scope: { org: 'globex' } });
    expect(() => compile([otherOrg, team(200)], { pricing })).not.toThrow();
  });

  it("refuses a virtual key's max_budget above its team's budget", () => {
    const set = compile([team(20)], { pricing });
    expect(keyBudgetIssue(set.policies, { id: 'k', org: 'acme', team: 'search', maxBudgetUsd: 50, budgetDuration: '1d' })).toContain('max_budget 50 USD per day is above the team budget of 20');
    expect(keyBudgetIssue(set.policies, { id: 'k', org: 'acme', team: 'search', maxBudgetUsd: 10, budgetDuration: '1d' })).toBeUndefined();
    expect(keyBudgetIssue(set.policies, { id: 'k', org: 'acme', team: 'other', maxBudgetUsd: 50, budgetDuration: '1d' })).toBeUndefined();
  });
});

describe('loop_breaker on the conversation', () => {
  it('blocks a call whose history already carries more tool calls than the ceiling, without a session', () => {
    const toolTurn = { role: 'assistant' as const, content: '', toolCalls: [{ id: 'c', name: 'search', arguments: '{}' }] };
    const set = compile([policy([{ type: 'loop_breaker', max_tool_calls: 2 }])], { pricing });
    const history = [{ role: 'user' as const, content: 'go' }, toolTurn, { role: 'tool' as const, content: 'r' }, toolTurn, { role: 'tool' as const, content: 'r' }];
    expect(set.decide(CALL({ messages: history }), tenant(), T0).action).toBe('allow');
    const d = set.decide(CALL({ messages: [...history, toolTurn, { role: 'tool', content: 'r' }] }), tenant(), T0);
    expect(d).toMatchObject({ action: 'block', code: 'loop_detected', reason: 'the conversation carries 3 tool calls, more than the ceiling of 2' });
  });
});
