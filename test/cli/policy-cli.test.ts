import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

function run(...argv: string[]) {
  let out = '';
  let err = '';
  return runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) }).then((code) => ({ code, out, err }));
}

const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('warden policy validate', () => {
  it('accepts the example policy, seed 002 shape included', async () => {
    const { code, out } = await run('policy', 'validate', 'examples/policy.yaml');
    expect(code).toBe(0);
    expect(out).toContain('examples/policy.yaml: ok (2 policies, 7 rules)');
  });

  it('reports every error with its path and exits 1', async () => {
    const bad = file(
      'bad.yaml',
      `policy_name: broken
rules:
  - type: content_filter
    patterns: [ok]
  - type: model_access
    models: [gpt-4o]
  - type: token_ceiling
    max_input_tokens: 10
  - type: content_filter
    name: second
    patterns: [fine, "(abc"]
  - type: nope
  - type: max_cost_per_request
    max_usd: -1
  - type: model_downgrade
    fallback: gpt-4o-mini
    when: 'labels.plan =='
`,
    );
    const { code, err } = await run('policy', 'validate', bad);
    expect(code).toBe(1);
    expect(err).toContain('rules[3].patterns[1]: invalid regex: missing ): (abc');
    expect(err).toContain('rules[4].type: unknown rule type "nope"');
    expect(err).toContain('rules[5].max_usd:');
    expect(err).toContain('rules[6].when: invalid condition');
    expect(err).toContain('invalid (4 errors)');
  });

  it('says which file is missing', async () => {
    const { code, err } = await run('policy', 'validate', join(dir, 'nope.yaml'));
    expect(code).toBe(1);
    expect(err).toContain('no such file');
  });
});

describe('warden policy schema', () => {
  it('prints a JSON Schema naming every rule kind', async () => {
    const { code, out } = await run('policy', 'schema');
    expect(code).toBe(0);
    const schema = JSON.parse(out);
    const kinds = schema.properties.rules.items.anyOf.map((k: { properties: { type: { const: string } } }) => k.properties.type.const);
    expect(kinds).toEqual(expect.arrayContaining(['model_access', 'token_ceiling', 'max_cost_per_request', 'key_environment_check', 'approval_threshold', 'model_downgrade', 'content_filter', 'custom']));
  });
});

describe('warden policy explain', () => {
  it('prints the decision and why for a saved OpenAI request', async () => {
    const { code, out } = await run('policy', 'explain', 'examples/policy.yaml', '--request', 'examples/request.json', '--environment', 'development');
    expect(code).toBe(0);
    expect(out).toContain('decision: block (content_blocked)');
    expect(out).toContain('policy:   dev_team_restrictions');
    expect(out).toContain('reason:   Pattern matched: api_key');
    expect(out).toMatch(/content\s+content_filter\s+block/);
  });

  it('applies the environment: outside development the seed 002 policy does not apply', async () => {
    const { code, out } = await run('policy', 'explain', 'examples/policy.yaml', '--request', 'examples/request.json', '--environment', 'production');
    expect(code).toBe(0);
    expect(out).toContain('decision: allow');
  });

  it('reads Anthropic bodies and labels, and prints the record as JSON', async () => {
    const req = file('anthropic.json', JSON.stringify({ model: 'gpt-4o', system: 'be brief', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }));
    const { code, out } = await run('policy', 'explain', 'examples/policy.yaml', '--request', req, '--labels', '{"plan":"free"}', '--json');
    expect(code).toBe(0);
    const record = JSON.parse(out);
    expect(record.decision).toBe('modify');
    expect(record.model).toEqual({ requested: 'gpt-4o', used: 'gpt-4o-mini' });
    expect(record.request_id).toBe('req_explain');
    expect(record.outcomes.some((o: { rule: string }) => o.rule === 'free_plan_to_mini')).toBe(true);
  });

  it('explains session and key-scoped limits with --session and --key-id', async () => {
    const policyFile = file('limits.yaml', 'policy_name: limits\nrules:\n  - { type: rate_limit, scope: key, requests_per_minute: 60 }\n  - { type: budget, scope: session, window: total, max_usd: 2 }\n');
    const req = file('limits-req.json', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 }));
    const without = await run('policy', 'explain', policyFile, '--request', req);
    expect(without.out).toContain('the call names no session');
    const { code, out } = await run('policy', 'explain', policyFile, '--request', req, '--session', 's1', '--key-id', 'k1');
    expect(code).toBe(0);
    expect(out).toContain('against key:default/k1 (limit 60 requests per 60 s, sliding)');
    expect(out).toMatch(/against session:default\/s1 \(limit \$2\.00 in total\)/);
  });

  it('refuses a malformed request body naming the field', async () => {
    const req = file('bad-req.json', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'wizard', content: 'hi' }] }));
    const { code, err } = await run('policy', 'explain', 'examples/policy.yaml', '--request', req);
    expect(code).toBe(1);
    expect(err).toContain('messages[0].role');
  });

  it('explains usage errors with exit 2', async () => {
    const { code, err } = await run('policy', 'explain', 'examples/policy.yaml');
    expect(code).toBe(2);
    expect(err).toContain('--request');
  });
});
