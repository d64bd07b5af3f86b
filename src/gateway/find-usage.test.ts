import { describe, expect, it } from 'vitest';
import { findUsage } from './find-usage.js';

describe('findUsage', () => {
  it('reads the last usage member without being fooled by escaped text', () => {
    const body = JSON.stringify({ choices: [{ message: { content: 'say "usage": {"prompt_tokens": 999}' } }], usage: { prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 1 } } });
    expect(findUsage(body)).toEqual({ prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 1 } });
  });

  it('returns undefined without usage or for non-JSON', () => {
    expect(findUsage('{"a":1}')).toBeUndefined();
    expect(findUsage('<html>')).toBeUndefined();
    expect(findUsage('{"usage": null}')).toBeNull();
  });
});
