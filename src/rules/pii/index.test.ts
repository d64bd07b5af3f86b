import { describe, expect, it } from 'vitest';
import { messageTexts } from '../../engine/context.js';
import { rewriteMessages } from '../../engine/messages.js';
import { NOW, compile, policy, request, ruleIssues, tenant } from '../../engine/test-helpers.js';
import type { LlmRequest, Message } from '../../engine/types.js';
import { existingRedactions, replaceTexts } from '../detector-rule.js';

const decide = (rule: Record<string, unknown>, req: LlmRequest, extra: Record<string, unknown> = {}) =>
  compile([policy([{ type: 'pii', ...rule }], extra)]).decide(req, tenant(), NOW);
const say = (prompt: string) => request({ prompt });
const allText = (messages: readonly Message[] | undefined) => JSON.stringify(messages ?? []);

const EMAIL = 'jane.roe@mail.example.com';
const PHONE = '+1-415-555-2671';
const SSN = '536-22-8765';

describe('pii config', () => {
  it('refuses unknown actions, entities and fields at their own paths', () => {
    const issues = ruleIssues({ type: 'pii', action: 'log', entities: ['EMAIL', 'SHOE_SIZE'], actions: { PHONE: 'drop' }, colour: 'red' });
    expect(issues.map((i) => i.path).sort()).toEqual(['rules[0].action', 'rules[0].actions.PHONE', 'rules[0].colour']);
    expect(ruleIssues({ type: 'pii', entities: ['EMAIL', 'SHOE_SIZE'] })).toEqual([
      { path: 'rules[0].entities[1]', message: expect.stringMatching(/^unknown entity "SHOE_SIZE"/) },
    ]);
    expect(ruleIssues({ type: 'pii', actions: { SHOE_SIZE: 'block' } }).map((i) => i.path)).toEqual(['rules[0].actions.SHOE_SIZE']);
  });

  it('refuses an entity in actions that entities leaves out, a bad threshold and a bad apply_to', () => {
    expect(ruleIssues({ type: 'pii', entities: ['EMAIL'], actions: { PHONE: 'redact' } })).toEqual([{ path: 'rules[0].actions.PHONE', message: '"PHONE" is not in entities' }]);
    expect(ruleIssues({ type: 'pii', threshold: 2 }).map((i) => i.path)).toEqual(['rules[0].threshold']);
    expect(ruleIssues({ type: 'pii', apply_to: ['response'] }).map((i) => i.path)).toEqual(['rules[0].apply_to[0]']);
    expect(ruleIssues({ type: 'pii', apply_to: [] }).map((i) => i.path)).toEqual(['rules[0].apply_to']);
  });

  it('refuses restore_in_response without a redaction to restore', () => {
    expect(ruleIssues({ type: 'pii', restore_in_response: true })).toEqual([
      { path: 'rules[0].restore_in_response', message: 'restore_in_response needs action redact (or a redact in actions)' },
    ]);
    expect(() => compile([policy([{ type: 'pii', actions: { EMAIL: 'redact' }, restore_in_response: true }])])).not.toThrow();
  });

  it('accepts entity names in any case', () => {
    const d = decide({ entities: ['email'] }, say(`mail ${EMAIL}`));
    expect(d.action).toBe('block');
  });
});

describe('pii block (default)', () => {
  it('blocks with pii_detected and a reason of entity types and counts, never values', () => {
    const d = decide({}, say(`mail ${EMAIL} or ${EMAIL}, call ${PHONE}`));
    expect(d.action).toBe('block');
    expect(d.code).toBe('pii_detected');
    expect(d.reason).toBe('PII detected: EMAIL x2, PHONE x1');
    expect(JSON.stringify(d)).not.toContain(EMAIL);
    expect(JSON.stringify(d)).not.toContain('2671');
    expect(d.outcomes[0]?.metadata).toEqual({ findings: { EMAIL: 2, PHONE: 1 } });
  });

  it('passes clean text', () => {
    expect(decide({}, say('What is the capital of France?')).action).toBe('allow');
  });

  it('counts skipped parts (images) in the outcome metadata', () => {
    const req = request({ messages: [{ role: 'user', content: [{ type: 'text', text: 'describe this' }, { type: 'image' }] }] });
    const d = decide({}, req);
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]?.metadata).toEqual({ skipped_parts: 1 });
  });
});

describe('pii redact', () => {
  it('replaces values with typed placeholders, the same value with the same placeholder across messages', () => {
    const req = request({
      messages: [
        { role: 'system', content: `The customer is ${EMAIL}.` },
        { role: 'user', content: [{ type: 'text', text: `Write to ${EMAIL} and to bob@example.org` }] },
        { role: 'assistant', content: '', toolCalls: [{ name: 'send', arguments: JSON.stringify({ to: EMAIL }) }] },
      ],
    });
    const d = decide({ action: 'redact' }, req);
    expect(d.action).toBe('modify');
    expect(d.modifications.redactions).toEqual([{ entity: 'EMAIL', count: 4 }]);
    const texts = messageTexts(d.modifications.messages ?? []).texts;
    expect(texts).toEqual(['The customer is [EMAIL_1].', 'Write to [EMAIL_1] and to [EMAIL_2]', '{"to":"[EMAIL_1]"}']);
    expect(allText(d.modifications.messages)).not.toContain(EMAIL);
    expect(d.reason).toBe('PII redacted: EMAIL x4');
    expect(JSON.stringify(d)).not.toContain(EMAIL);
    // The caller's request is not changed.
    expect(req.messages[0]?.content).toBe(`The customer is ${EMAIL}.`);
  });

  it('applies per-entity actions: redact one type, block another', () => {
    expect(decide({ action: 'redact', actions: { US_SSN: 'block' } }, say(`ssn ${SSN}, mail ${EMAIL}`)).action).toBe('block');
    const d = decide({ action: 'redact', actions: { US_SSN: 'block' } }, say(`mail ${EMAIL}`));
    expect(d.action).toBe('modify');
    const flagged = decide({ action: 'flag', actions: { EMAIL: 'redact' } }, say(`mail ${EMAIL}, call ${PHONE}`));
    expect(flagged.action).toBe('modify');
    expect(flagged.reason).toBe('PII redacted: EMAIL x1; flagged: PHONE x1');
    expect(allText(flagged.modifications.messages)).toContain(PHONE);
  });

  it('keeps the placeholder map for restore_in_response in memory, keyed by the request', () => {
    const req = say(`mail ${EMAIL}`);
    decide({ action: 'redact', restore_in_response: true }, req);
    expect([...(existingRedactions(req)?.restore ?? [])]).toEqual([['[EMAIL_1]', EMAIL]]);
    const other = say(`mail ${EMAIL}`);
    decide({ action: 'redact' }, other);
    expect(existingRedactions(other)?.restore.size).toBe(0);
  });

  it('lets the rules after it see the redacted text', () => {
    const set = compile([policy([{ type: 'pii', action: 'redact' }, { type: 'content_filter', keywords: [EMAIL] }])]);
    expect(set.decide(say(`mail ${EMAIL}`), tenant(), NOW).action).toBe('modify');
  });
});

describe('pii flag and monitor', () => {
  it('flags without changing anything', () => {
    const d = decide({ action: 'flag' }, say(`mail ${EMAIL}`));
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'flag', reason: 'PII detected: EMAIL x1' });
  });

  it('in a monitor policy records the block it would have made', () => {
    const d = decide({}, say(`mail ${EMAIL}`), { mode: 'monitor' });
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'block', shadow: true, code: 'pii_detected' });
    expect(d.reason).toContain('would block: PII detected: EMAIL x1');
  });

  it('only checks responses when apply_to is [output]', () => {
    const d = decide({ apply_to: ['output'] }, say(`mail ${EMAIL}`));
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'pass', reason: 'applies to responses only' });
  });

  it('reaches opt-in entities with a scanner of its own', () => {
    expect(decide({}, say('see https://example.com/docs')).action).toBe('allow');
    expect(decide({ entities: ['URL'] }, say('see https://example.com/docs')).reason).toBe('PII detected: URL x1');
  });

  it('never reports allow_values', () => {
    expect(decide({ allow_values: [EMAIL] }, say(`mail ${EMAIL}`)).action).toBe('allow');
  });
});

describe('mapping findings back to messages', () => {
  const messages: Message[] = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image' }, { type: 'text', text: 'b' }] },
    { role: 'assistant', content: '', toolCalls: [{ name: 'f', arguments: '{"x":1}' }, { name: 'g', arguments: '{}' }] },
    { role: 'tool', content: 'result' },
  ];

  it('rewriteMessages visits texts in the order messageTexts() lists them (plus empty string contents)', () => {
    const visited: string[] = [];
    rewriteMessages(messages, (t) => {
      visited.push(t);
      return t;
    });
    expect(visited.filter((t) => t !== '')).toEqual(messageTexts(messages).texts);
    expect(visited).toEqual(['sys', 'a', 'b', '', '{"x":1}', '{}', 'result']);
  });

  it('replaces each text at its position and refuses to misplace one', () => {
    const before = messageTexts(messages).texts;
    const out = replaceTexts(messages, before, before.map((t) => t.toUpperCase()));
    expect(messageTexts(out ?? []).texts).toEqual(['SYS', 'A', 'B', '{"X":1}', '{}', 'RESULT']);
    expect(() => replaceTexts(messages, ['other', ...before.slice(1)], before)).toThrow(/could not be mapped/);
  });
});
