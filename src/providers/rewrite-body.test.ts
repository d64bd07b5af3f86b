import { describe, expect, it } from 'vitest';
import { parseMessages } from './anthropic/parse-request.js';
import { parseChatCompletions } from './openai/parse-request.js';
import { rewriteMessages } from '../engine/messages.js';
import { applyModifications, textsMatch } from './rewrite-body.js';

const redact = (text: string) => text.replace(/SECRET-\d+/g, '[X]');

describe('applyModifications', () => {
  it('rewrites chat texts and tool arguments and swaps the model, leaving the input untouched', () => {
    const body = {
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a SECRET-1' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"k":"SECRET-2"}' } }] },
      ],
    };
    const parsed = parseChatCompletions(body);
    const messages = rewriteMessages(parsed.messages, redact);
    const out = applyModifications(body, parsed.messages, { redactions: [], messages, model: { from: 'gpt-4o', to: 'gpt-4o-mini', rule: 'r' } });
    expect(JSON.stringify(out)).not.toContain('SECRET');
    expect(out.model).toBe('gpt-4o-mini');
    expect(body.model).toBe('gpt-4o');
    expect(textsMatch(parseChatCompletions(out).messages, messages ?? [])).toBe(true);
  });

  it('keeps an Anthropic tool_use input an object after redaction', () => {
    const body = { model: 'm', max_tokens: 5, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { code: 'SECRET-9' } }] }] };
    const parsed = parseMessages(body);
    const messages = rewriteMessages(parsed.messages, redact);
    const out = applyModifications(body, parsed.messages, { redactions: [], messages });
    expect(out.messages).toEqual([{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: { code: '[X]' } }] }]);
  });
});
