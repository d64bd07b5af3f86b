import { describe, expect, it } from 'vitest';
import { NOW, compile, policy, request, tenant } from './test-helpers.js';

describe('monitor mode', () => {
  it('records what a rule would have blocked and allows the call', () => {
    const set = compile([policy([{ type: 'content_filter', keywords: ['api_key'] }], { policy_name: 'trial', mode: 'monitor' })]);
    const d = set.decide(request({ prompt: 'my api_key' }), tenant(), NOW);
    expect(d).toMatchObject({ action: 'allow', policy: null, rule: null });
    expect(d.code).toBeUndefined();
    expect(d.reason).toBe('allowed (monitor: content_filter in trial would block: Pattern matched: api_key)');
    expect(d.outcomes).toEqual([expect.objectContaining({ policy: 'trial', rule: 'content_filter', outcome: 'block', code: 'content_blocked', shadow: true })]);
  });

  it('does not stop evaluation: later rules still run and can enforce', () => {
    const set = compile([
      policy([{ type: 'token_ceiling', max_input_tokens: 1 }], { policy_name: 'trial', mode: 'monitor' }),
      policy([{ type: 'content_filter', keywords: ['hello'] }], { policy_name: 'live' }),
    ]);
    const d = set.decide(request(), tenant(), NOW);
    expect(d).toMatchObject({ action: 'block', policy: 'live', rule: 'content_filter' });
    expect(d.outcomes.map((o) => [o.policy, o.outcome, o.shadow])).toEqual([
      ['trial', 'block', true],
      ['live', 'block', false],
    ]);
  });

  it('changes nothing: no redaction, no model swap', () => {
    const set = compile([
      policy(
        [
          { type: 'content_filter', keywords: ['secret'], action: 'redact' },
          { type: 'model_downgrade', fallback: 'cheap' },
        ],
        { mode: 'monitor' },
      ),
    ]);
    const d = set.decide(request({ prompt: 'a secret' }), tenant(), NOW);
    expect(d.action).toBe('allow');
    expect(d.modifications).toEqual({ redactions: [] });
    expect(d.estimate.model).toBe('gpt-4o-mini');
    expect(d.outcomes.map((o) => o.outcome)).toEqual(['modify', 'modify']);
    expect(d.reason).toBe('allowed (monitor: content_filter in test_policy would modify: redacted 1 match(es) of: secret)');
  });

  it('in one environment does not switch off the rule enforced there', () => {
    const set = compile([
      policy([{ type: 'token_ceiling', max_input_tokens: 5 }], { policy_name: 'enforced' }),
      policy([{ type: 'token_ceiling', max_input_tokens: 1000 }], { policy_name: 'trial_dev', environment: 'development', mode: 'monitor' }),
    ]);
    const d = set.decide(request({ prompt: 'x'.repeat(100) }), tenant({ environment: 'development' }), NOW);
    expect(d).toMatchObject({ action: 'block', policy: 'enforced' });
  });

  it('does not escalate, and reserves nothing', () => {
    const set = compile([
      policy(
        [
          { type: 'model_access', max_cost_per_day: 1 },
          { type: 'approval_threshold', threshold_usd: 0.000001 },
        ],
        { mode: 'monitor' },
      ),
    ]);
    const d = set.decide(request(), tenant(), NOW);
    expect(d.action).toBe('allow');
    expect(d.claims).toEqual([]);
    expect(d.reason).toMatch(/^allowed \(monitor: approval_threshold in test_policy would escalate: /);
  });

  it('says "allowed" alone when a monitor policy found nothing', () => {
    const set = compile([policy([{ type: 'token_ceiling', max_input_tokens: 1000 }], { mode: 'monitor' })]);
    expect(set.decide(request(), tenant(), NOW).reason).toBe('allowed');
  });
});
