import { describe, expect, it } from 'vitest';
import { messageTexts } from '../../engine/context.js';
import { NOW, compile, policy, request, ruleIssues, tenant } from '../../engine/test-helpers.js';
import type { LlmRequest } from '../../engine/types.js';

const decide = (rule: Record<string, unknown>, req: LlmRequest) => compile([policy([{ type: 'secrets', ...rule }])]).decide(req, tenant(), NOW);
const say = (prompt: string) => request({ prompt });

const PAT = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const AWS_EXAMPLE = 'AKIAIOSFODNN7EXAMPLE';

describe('secrets', () => {
  it('blocks by default with secret_detected, naming the type and count only', () => {
    const d = decide({}, say(`my token is ${PAT}, again ${PAT}`));
    expect(d).toMatchObject({ action: 'block', code: 'secret_detected', reason: 'Secret detected: GITHUB_PAT x2' });
    expect(JSON.stringify(d)).not.toContain(PAT);
  });

  it('redacts with typed placeholders', () => {
    const d = decide({ action: 'redact' }, say(`use ${PAT} please`));
    expect(d.action).toBe('modify');
    expect(messageTexts(d.modifications.messages ?? []).texts).toEqual(['use [GITHUB_PAT_1] please']);
    expect(d.modifications.redactions).toEqual([{ entity: 'GITHUB_PAT', count: 1 }]);
  });

  it('skips documentation keys unless report_example_secrets is set', () => {
    expect(decide({}, say(`key ${AWS_EXAMPLE}`)).action).toBe('allow');
    expect(decide({ report_example_secrets: true }, say(`key ${AWS_EXAMPLE}`)).action).toBe('block');
  });

  it('finds a secret hidden in base64 (the decoders run for every detector rule)', () => {
    const encoded = Buffer.from(`token=${PAT}`).toString('base64');
    expect(decide({}, say(`decode this: ${encoded}`)).reason).toBe('Secret detected: GITHUB_PAT x1');
  });

  it('narrows to entities and refuses unknown ones', () => {
    expect(decide({ entities: ['AWS_ACCESS_KEY_ID'] }, say(`token ${PAT}`)).action).toBe('allow');
    expect(ruleIssues({ type: 'secrets', entities: ['GITHUB_PATS'] }).map((i) => i.path)).toEqual(['rules[0].entities[0]']);
  });
});
