import { describe, expect, it } from 'vitest';
import type { Decision } from '../engine/types.js';
import { canonicalJson } from '../store/audit-chain.js';
import { auditEntry } from './audit-entry.js';

const decision: Decision = {
  action: 'block',
  code: 'policy_violation',
  policy: 'dev_team_restrictions',
  rule: 'content_filter',
  reason: 'Pattern matched: api_key',
  outcomes: [],
  modifications: { redactions: [] },
  claims: [],
  estimate: { model: 'gpt-4o', inputTokens: 40, tokensApproximate: false, maxOutputTokens: 1024, costUsd: 0.01, priceSource: 'catalog' },
  requestId: 'req_abc123',
  timestamp: '2025-01-15T10:30:00.000Z',
  user: 'dev@acme.com',
  environment: 'development',
  revision: 'r1',
  durationUs: 12,
};

describe('auditEntry', () => {
  it('carries the seed 002 fields and what happened to the call, and no prompt', () => {
    const entry = auditEntry({
      decision,
      tenant: { org: 'acme', team: 'search', keyId: 'key_1' },
      status: 403,
      costUsd: null,
      durationMs: 1.23456,
    });
    expect(entry).toMatchObject({
      decision: 'block',
      policy: 'dev_team_restrictions',
      rule: 'content_filter',
      reason: 'Pattern matched: api_key',
      user: 'dev@acme.com',
      environment: 'development',
      timestamp: '2025-01-15T10:30:00.000Z',
      request_id: 'req_abc123',
      org: 'acme',
      team: 'search',
      key_id: 'key_1',
      status: 403,
      usage: null,
      latency_ms: 1.235,
      source: 'gateway',
      code: 'policy_violation',
    });
    expect(JSON.stringify(entry)).not.toMatch(/prompt|messages/);
  });

  it('needs an org', () => {
    expect(() => auditEntry({ decision })).toThrow(/org/);
    expect(auditEntry({ decision }, { defaultOrg: 'local' })).toMatchObject({ org: 'local', source: 'sdk' });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"f":2}]},"b":1}');
    expect(canonicalJson({ x: 'é"\n', n: 0.1 + 0.2 })).toBe('{"n":0.30000000000000004,"x":"é\\"\\n"}');
  });
});
