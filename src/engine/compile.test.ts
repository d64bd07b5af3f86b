import { describe, expect, it } from 'vitest';
import { compilePolicies, loadPolicyFile } from './engine.js';
import { PolicyValidationError } from './errors.js';
import { parsePolicyText } from './policy-document.js';
import { NOW, compile, issuesOf, policy, request, tenant } from './test-helpers.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ceiling = { type: 'token_ceiling', max_input_tokens: 100 };

describe('policy document validation', () => {
  it('needs a name', () => {
    expect(issuesOf([{ rules: [] }])).toEqual([{ path: 'policy_name', message: 'a policy needs a name (policy_name or name)' }]);
  });

  it('takes name as an alias of policy_name, but not two different names', () => {
    expect(compile([{ name: 'p', rules: [ceiling] }]).policies[0]?.name).toBe('p');
    expect(issuesOf([{ name: 'a', policy_name: 'b', rules: [] }])).toEqual([{ path: 'name', message: 'name and policy_name differ; give one' }]);
  });

  it('needs rules (an empty list is fine)', () => {
    expect(issuesOf([{ policy_name: 'p' }]).map((i) => i.path)).toEqual(['rules']);
    expect(() => compile([policy([])])).not.toThrow();
  });

  it('refuses unknown document and scope fields, naming them', () => {
    expect(issuesOf([policy([], { priority: 1 })])).toEqual([{ path: 'priority', message: 'unknown field' }]);
    expect(issuesOf([policy([], { scope: { org: 'acme', project: 'x' } })])).toEqual([{ path: 'scope.project', message: 'unknown field' }]);
  });

  it('refuses a bad mode and a non-boolean enabled', () => {
    expect(issuesOf([policy([], { mode: 'shadow', enabled: 'yes' })]).map((i) => i.path).sort()).toEqual(['enabled', 'mode']);
  });

  it('takes environment as a string or a list, and environments as a list', () => {
    expect(() => compile([policy([], { environment: 'dev' })])).not.toThrow();
    expect(() => compile([policy([], { environment: ['dev', 'staging'] })])).not.toThrow();
    expect(() => compile([policy([], { environments: ['dev'] })])).not.toThrow();
    expect(issuesOf([policy([], { environment: '' })]).map((i) => i.path)).toEqual(['environment']);
  });
});

describe('rule validation', () => {
  it('refuses a rule without a type, listing the types it knows', () => {
    const [issue] = issuesOf([policy([{ max_input_tokens: 5 }])]);
    expect(issue?.path).toBe('rules[0].type');
    expect(issue?.message).toMatch(/^missing rule type; expected one of model_access, .*token_ceiling.*, custom$/);
  });

  it('refuses an unknown rule type by name', () => {
    const [issue] = issuesOf([policy([{ type: 'token_limit' }])]);
    expect(issue?.path).toBe('rules[0].type');
    expect(issue?.message).toMatch(/^unknown rule type "token_limit"; expected one of /);
  });

  it('refuses rule types documented for later until they exist, instead of ignoring them', () => {
    // A kind that is not registered must not compile to a policy that silently enforces nothing.
    for (const type of ['spend_alert', 'semantic_cache']) {
      expect(issuesOf([policy([{ type }])])[0]?.message).toMatch(new RegExp(`^unknown rule type "${type}"`));
    }
  });

  it('refuses a rule that is not an object', () => {
    expect(issuesOf([policy(['token_ceiling'])])).toEqual([{ path: 'rules[0]', message: 'a rule must be an object with a type' }]);
  });

  it('refuses an unknown field on a rule at its own path', () => {
    expect(issuesOf([policy([{ ...ceiling, max_tokens: 5 }])])).toEqual([{ path: 'rules[0].max_tokens', message: 'unknown field' }]);
  });

  it('refuses two rules with the same name in one policy, and accepts them when named apart', () => {
    expect(issuesOf([policy([ceiling, ceiling])])[0]?.path).toBe('rules[1].name');
    expect(() => compile([policy([{ ...ceiling, name: 'a' }, { ...ceiling, name: 'b' }])])).not.toThrow();
  });

  it('collects every issue of every rule, with its path, and refuses the whole document', () => {
    const issues = issuesOf([
      policy([
        ceiling,
        { type: 'content_filter', patterns: ['ok', '(?=x)'] },
        { type: 'token_ceiling', name: 'second', max_input_tokens: -1 },
        { type: 'model_access', models: ['a'], when: 'model ==' },
      ]),
    ]);
    expect(issues.map((i) => i.path)).toEqual(['rules[1].patterns[1]', 'rules[2].max_input_tokens', 'rules[3].when']);
  });

  it('prefixes paths with policies[i] when several documents compile together', () => {
    const issues = issuesOf([policy([ceiling], { policy_name: 'a' }), policy([{ type: 'token_ceiling' }], { policy_name: 'b' })]);
    expect(issues.map((i) => i.path)).toEqual(['policies[1].rules[0].max_input_tokens']);
  });

  it('refuses the same policy name twice for the same scope, but allows it for different scopes', () => {
    const twice = issuesOf([policy([ceiling]), policy([ceiling])]);
    expect(twice).toEqual([{ path: 'policies[1].policy_name', message: 'duplicate policy "test_policy" for the same scope (also policies[0])' }]);
    expect(() => compile([policy([ceiling], { scope: { team: 'a' } }), policy([ceiling], { scope: { team: 'b' } })])).not.toThrow();
  });

  it('validates a disabled policy too', () => {
    expect(issuesOf([policy([{ type: 'token_ceiling' }], { enabled: false })]).map((i) => i.path)).toEqual(['rules[0].max_input_tokens']);
  });
});

describe('PolicyValidationError', () => {
  it('has the invalid_policy code and a message listing each issue with its path', () => {
    let error: unknown;
    try {
      compilePolicies([policy([{ type: 'token_ceiling', max_input_tokens: 0 }, { type: 'nope' }])], {}, 'team.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyValidationError);
    const e = error as PolicyValidationError;
    expect(e.code).toBe('invalid_policy');
    expect(e.issues).toHaveLength(2);
    expect(e.message).toMatch(/^team\.yaml: invalid policy \(2 errors\)\n {2}rules\[0\]\.max_input_tokens: .+\n {2}rules\[1\]\.type: unknown rule type "nope"/);
  });

  it('names a bad price override at pricing.overrides', () => {
    let error: unknown;
    try {
      compilePolicies([policy([])], { priceOverrides: { m: { input_per_mtok: -1, output_per_mtok: 1 } } });
    } catch (err) {
      error = err;
    }
    expect((error as PolicyValidationError).issues[0]?.path).toBe('pricing.overrides');
  });
});

describe('policy files', () => {
  it('reads one document, a list, or { policies: [...] } from YAML or JSON', () => {
    expect(parsePolicyText('policy_name: a\nrules: []\n')).toHaveLength(1);
    expect(parsePolicyText('- policy_name: a\n  rules: []\n- policy_name: b\n  rules: []\n')).toHaveLength(2);
    expect(parsePolicyText('{"policies": [{"policy_name": "a", "rules": []}]}')).toHaveLength(1);
  });

  it('refuses text that is not YAML, duplicate keys, and a scalar', () => {
    expect(() => parsePolicyText('policy_name: [')).toThrow(PolicyValidationError);
    expect(() => parsePolicyText('policy_name: a\npolicy_name: b\nrules: []')).toThrow(PolicyValidationError);
    expect(() => parsePolicyText('42')).toThrow(/expected a policy document/);
  });

  it('loads and compiles a file, naming the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-policy-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'policy_name: p\nrules:\n  - type: token_ceiling\n    max_input_tokens: 5\n');
    const set = loadPolicyFile(good);
    expect(set.decide(request({ prompt: 'x'.repeat(100) }), tenant(), NOW).code).toBe('token_ceiling_exceeded');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'policy_name: p\nrules:\n  - type: token_ceiling\n');
    expect(() => loadPolicyFile(bad)).toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid policy`));
  });
});
