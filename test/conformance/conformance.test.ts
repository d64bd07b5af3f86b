import { describe, expect, it } from 'vitest';
import { ruleKinds } from '../../src/rules/registry.js';
import { assertNoMismatches, checkDecision, checkPolicyIssues } from './check-decision.js';
import { CONFORMANCE_REQUEST_ID, runEngineCase } from './engine-driver.js';
import { loadConformanceCases } from './load-cases.js';

const cases = loadConformanceCases();

describe('engine conformance', () => {
  for (const c of cases) {
    const test = c.knownFailure ? it.fails : it;
    test(`${c.file}: ${c.name}`, () => {
      const run = runEngineCase(c);
      if (run.kind === 'invalid') {
        assertNoMismatches(c.name, checkPolicyIssues(c.expect, run.issues));
        return;
      }
      expect(run.decision.requestId).toBe(CONFORMANCE_REQUEST_ID);
      assertNoMismatches(c.name, checkDecision(c.expect, run.decision, run.forwarded));
    });
  }
});

describe('conformance file', () => {
  it('has at least 60 cases that pass', () => {
    expect(cases.filter((c) => !c.knownFailure).length).toBeGreaterThanOrEqual(60);
  });

  it('covers every built-in rule kind with a deciding case', () => {
    const used = new Set<string>();
    for (const c of cases) {
      if (c.expect.invalid_policy || c.knownFailure) continue;
      for (const p of c.policies) for (const r of (p.rules as { type?: string }[] | undefined) ?? []) if (r.type) used.add(r.type);
    }
    expect([...ruleKinds.keys()].filter((k) => !used.has(k))).toEqual([]);
  });
});
