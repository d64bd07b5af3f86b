// The engine's conformance file, driven through the SDK: official clients wrapped by
// wrapOpenAI / wrapAnthropic, an injected fetch in place of the provider. Every case must
// decide exactly as the engine does, and a refused call must never reach the provider.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/engine/types.js';
import { PolicyEngine, isPolicyViolationError, wrapAnthropic, wrapOpenAI } from '../../src/sdk/index.js';
import { assertNoMismatches, checkDecision, forwardedFromBody } from '../conformance/check-decision.js';
import { engineOptions, runEngineCase, toTenant } from '../conformance/engine-driver.js';
import { type DecidingCase, isDecidingCase, loadConformanceCases } from '../conformance/load-cases.js';
import { fakeProvider } from './fake-provider.js';

/** What must match between the SDK's decision and the engine's (durations and ids aside). */
function comparable(d: Decision) {
  return {
    action: d.action,
    code: d.code,
    policy: d.policy,
    rule: d.rule,
    reason: d.reason,
    outcomes: d.outcomes.map(({ durationUs: _t, ...o }) => o),
    modifications: d.modifications,
    claims: d.claims,
    estimate: d.estimate,
    user: d.user,
    environment: d.environment,
    revision: d.revision,
  };
}

async function runThroughSdk(c: DecidingCase) {
  const provider = fakeProvider();
  let decision: Decision | undefined;
  const options = {
    policy: new PolicyEngine({ ...engineOptions(c.options), policies: c.policies as never }),
    tenant: { ...toTenant(c.tenant), keyPrefix: c.tenant.key_prefix },
    labels: c.labels ?? {},
    sessionId: c.session_id,
    now: () => Date.parse(c.now),
    onDecision: (d: Decision) => {
      decision = d;
    },
  };
  let error: unknown;
  try {
    if (c.route === 'anthropic.messages') {
      const client = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test', fetch: provider.fetch, maxRetries: 0 }), options);
      await client.messages.create(c.body as never);
    } else {
      const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', fetch: provider.fetch, maxRetries: 0 }), options);
      if (c.route === 'openai.chat') await client.chat.completions.create(c.body as never);
      else if (c.route === 'openai.responses') await client.responses.create(c.body as never);
      else await client.embeddings.create(c.body as never);
    }
  } catch (err) {
    error = err;
  }
  return { decision, error, calls: provider.calls };
}

const cases = loadConformanceCases().filter(isDecidingCase).filter((c) => !c.expect.invalid_policy);

describe('SDK conformance (the engine file, through wrapOpenAI / wrapAnthropic)', () => {
  it('runs enough cases to mean something', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  for (const c of cases) {
    const test = c.knownFailure ? it.fails : it;
    test(`${c.file}: ${c.name}`, async () => {
      const engine = runEngineCase(c);
      if (engine.kind !== 'decision') throw new Error('expected a decision');
      const { decision, error, calls } = await runThroughSdk(c);
      expect(decision, 'the SDK decided').toBeDefined();
      expect(comparable(decision as Decision)).toEqual(comparable(engine.decision));
      const refused = decision?.action === 'block' || decision?.action === 'throttle' || decision?.action === 'escalate';
      if (refused) {
        expect(isPolicyViolationError(error), String(error)).toBe(true);
        expect(calls, 'a refused call never reaches the provider').toHaveLength(0);
        assertNoMismatches(c.name, checkDecision(c.expect, decision as Decision, undefined));
      } else {
        expect(error).toBeUndefined();
        expect(calls).toHaveLength(1);
        assertNoMismatches(c.name, checkDecision(c.expect, decision as Decision, forwardedFromBody(c.route, calls[0]?.body)));
      }
    });
  }
});
