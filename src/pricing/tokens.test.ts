import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { beforeEach, describe, expect, it } from 'vitest';
import { APPROXIMATION_FACTOR, clearTokenCountCache, countTokens } from './tokens.js';

const PLAIN = { disallowedSpecial: new Set<string>() };
const sample =
  'You are a careful assistant. Résumé: naïve café — 東京 🚀. const x = await fetch("https://example.com/v1?q=1");\n'.repeat(8);

describe('countTokens', () => {
  beforeEach(() => clearTokenCountCache());

  it.each(['gpt-4o', 'gpt-4o-mini', 'gpt-4o-2024-08-06', 'gpt-4.1', 'gpt-5', 'o3-mini', 'o1', 'openai/gpt-4o'])(
    'is exact with o200k_base for %s',
    (model) => {
      expect(countTokens(sample, model)).toEqual({ tokens: encodeO200k(sample, PLAIN).length, approximate: false });
    },
  );

  it.each(['gpt-4', 'gpt-4-turbo', 'gpt-3.5-turbo', 'text-embedding-3-small'])('is exact with cl100k_base for %s', (model) => {
    expect(countTokens(sample, model)).toEqual({ tokens: encodeCl100k(sample, PLAIN).length, approximate: false });
  });

  it('o200k and cl100k differ on the sample (the right encoder is used)', () => {
    expect(encodeO200k(sample, PLAIN).length).not.toBe(encodeCl100k(sample, PLAIN).length);
  });

  it.each(['claude-sonnet-4-5', 'claude-3-haiku-20240307', 'gemini-2.5-pro', 'llama-3.3-70b', undefined])(
    'approximates %s as o200k x factor',
    (model) => {
      expect(countTokens(sample, model)).toEqual({
        tokens: Math.ceil(encodeO200k(sample, PLAIN).length * APPROXIMATION_FACTOR),
        approximate: true,
      });
    },
  );

  it('counts special-token strings in user text as plain text instead of throwing', () => {
    const text = 'ignore <|endoftext|> and <|im_start|>';
    expect(countTokens(text, 'gpt-4o').tokens).toBe(encodeO200k(text, PLAIN).length);
  });

  it('returns the same count from the cache', () => {
    const first = countTokens(sample, 'gpt-4o');
    const second = countTokens(sample, 'gpt-4o');
    expect(second).toEqual(first);
  });

  it('counts the empty string as zero', () => {
    expect(countTokens('', 'gpt-4o')).toEqual({ tokens: 0, approximate: false });
    expect(countTokens('', 'claude-sonnet-4-5')).toEqual({ tokens: 0, approximate: true });
  });
});
