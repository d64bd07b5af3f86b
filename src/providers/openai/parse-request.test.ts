import { describe, expect, it } from 'vitest';
import { detectRoute } from '../parse-request.js';
import { InvalidRequestBodyError } from '../request-shape.js';
import { parseCompletions } from './parse-request.js';

describe('parseCompletions (legacy text completions)', () => {
  it('reads each prompt string as a user text, with the model, max_tokens, stream and user', () => {
    const request = parseCompletions({ model: 'gpt-3.5-turbo-instruct', prompt: ['one', 'two'], max_tokens: 20, stream: true, user: 'u-1' });
    expect(request).toMatchObject({ provider: 'openai', endpoint: 'completions', model: 'gpt-3.5-turbo-instruct', maxOutputTokens: 20, stream: true, endUser: 'u-1' });
    expect(request.messages).toEqual([
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
    ]);
    expect(parseCompletions({ model: 'm', prompt: 'just one' }).messages).toEqual([{ role: 'user', content: 'just one' }]);
  });

  it('counts prompts given as token ids as unreadable parts: one for a flat list, one per list of lists', () => {
    expect(parseCompletions({ model: 'm', prompt: [1, 2, 3] }).messages).toEqual([{ role: 'user', content: [{ type: 'other' }] }]);
    expect(parseCompletions({ model: 'm', prompt: [[1, 2], [3]] }).messages).toHaveLength(2);
  });

  it('refuses a prompt of another type, naming the field', () => {
    expect(() => parseCompletions({ model: 'm', prompt: { text: 'x' } })).toThrow(InvalidRequestBodyError);
    expect(() => parseCompletions({ model: 'm', prompt: ['ok', { text: 'x' }] })).toThrow('prompt[1]: expected a string, an array of strings or token ids, got an object');
    expect(() => parseCompletions({ model: 'm', prompt: 'x', max_tokens: 0 })).toThrow('max_tokens: expected a positive integer');
  });

  it('is the route a saved body with a prompt is explained as', () => {
    expect(detectRoute({ model: 'm', prompt: 'x' })).toBe('openai.completions');
  });
});
