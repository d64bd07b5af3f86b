import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ruleKinds } from '../rules/registry.js';
import { CONDITION_VARIABLES } from './conditions.js';
import { BaseRule, type RuleDecisionInit } from './custom-rule.js';
import { compilePolicies } from './engine.js';
import { PolicyValidationError } from './errors.js';
import { parsePolicyText } from './policy-document.js';
import { fixedPricing } from './test-helpers.js';

const DOC_PATH = fileURLToPath(new URL('../../docs/policies.md', import.meta.url));
const doc = readFileSync(DOC_PATH, 'utf8');

interface Example {
  lang: 'yaml' | 'json';
  line: number;
  text: string;
  invalid: boolean;
}

/** Fenced yaml/json blocks; a block is expected to fail when the line before it is `<!-- invalid -->`. */
function examples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(yaml|json)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    let j = i - 1;
    while (j >= 0 && (lines[j] ?? '').trim() === '') j--;
    const invalid = (lines[j] ?? '').trim() === '<!-- invalid -->';
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    out.push({ lang: open[1] as 'yaml' | 'json', line: i + 1, text: lines.slice(start, end).join('\n'), invalid });
    i = end;
  }
  return out;
}

// The custom rules the examples reference, registered as the page shows.
class BlockWeekendsRule extends BaseRule {
  evaluate(): RuleDecisionInit {
    return { allow: true };
  }
}
const options = {
  pricing: fixedPricing(),
  customRules: { block_weekends: new BlockWeekendsRule(), free_plan_only_mini: (): RuleDecisionInit => ({ allow: true }) },
};

const all = examples(doc);
// JSON blocks that are policy documents (the decision record example is not one).
const policyExamples = all.filter((e) => e.lang === 'yaml' || /"rules"\s*:/.test(e.text));

describe('docs/policies.md examples', () => {
  it('has yaml examples, some of them marked invalid', () => {
    expect(all.filter((e) => e.lang === 'yaml').length).toBeGreaterThanOrEqual(10);
    expect(all.filter((e) => e.invalid).length).toBeGreaterThanOrEqual(3);
  });

  for (const example of policyExamples) {
    const label = `${example.lang} block at line ${example.line}${example.invalid ? ' (invalid)' : ''}`;
    if (example.invalid) {
      it(`${label} is refused with a path`, () => {
        let error: unknown;
        try {
          compilePolicies(parsePolicyText(example.text, `policies.md:${example.line}`), options);
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(PolicyValidationError);
        expect((error as PolicyValidationError).issues.every((i) => i.path.length > 0)).toBe(true);
      });
    } else {
      it(`${label} compiles`, () => {
        const set = compilePolicies(parsePolicyText(example.text, `policies.md:${example.line}`), options);
        expect(set.policies.length).toBeGreaterThan(0);
      });
    }
  }

  it('shows seed 002 policy definition exactly', () => {
    const seed = policyExamples.find((e) => e.lang === 'json' && e.text.includes('dev_team_restrictions'));
    expect(JSON.parse(seed?.text ?? 'null')).toEqual({
      policy_name: 'dev_team_restrictions',
      environment: 'development',
      rules: [
        { type: 'model_access', models: ['gpt-4o-mini', 'claude-3-haiku'], max_cost_per_day: 100.0 },
        { type: 'content_filter', patterns: ['password', 'api_key'], action: 'block' },
      ],
    });
  });

  it('documents every registered rule kind under its own heading', () => {
    for (const type of ruleKinds.keys()) expect(doc).toContain(`\n### ${type}\n`);
  });

  it('lists every condition variable with its type', () => {
    for (const [name, [type]] of Object.entries(CONDITION_VARIABLES)) {
      expect(doc).toContain(`| \`${name}\` | ${type} |`);
    }
  });
});
