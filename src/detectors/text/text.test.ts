import { describe, expect, it } from 'vitest';
import { entropy, luhn, mod97, verhoeff } from './checksums.js';
import { rot13, rot13Pattern } from './decode.js';
import { normalize, originalSpan } from './normalize.js';

describe('normalize', () => {
  it('returns ASCII text untouched without an offset map', () => {
    const n = normalize('plain text 123');
    expect(n.text).toBe('plain text 123');
    expect(n.starts).toBeNull();
  });

  it('applies NFKC and maps offsets back', () => {
    const input = 'key ＡＫＩＡ９ end';
    const n = normalize(input);
    expect(n.text).toBe('key AKIA9 end');
    const [s, e] = originalSpan(n, 4, 9);
    expect(input.slice(s, e)).toBe('ＡＫＩＡ９');
  });

  it('drops zero-width, bidi and variation selectors and reports them', () => {
    const input = 'pa\u200Bss\u202Eword\uFE0F';
    const n = normalize(input);
    expect(n.text).toBe('password');
    expect(n.hidden.map((h) => h.kind)).toEqual(['zero_width', 'bidi_control', 'variation_selector']);
    const [s, e] = originalSpan(n, 0, 8);
    expect(input.slice(s, e)).toBe('pa\u200Bss\u202Eword');
  });

  it('decodes Unicode tag characters back to ASCII', () => {
    const hidden = [...'hi'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    const n = normalize(`x${hidden}y`);
    expect(n.text).toBe('xhiy');
    expect(n.hidden[0]).toMatchObject({ kind: 'unicode_tags', start: 1, end: 5, count: 2 });
  });
});

describe('checksums', () => {
  it('luhn', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
  });
  it('mod97', () => {
    expect(mod97('WEST12345698765432GB82')).toBe(1);
  });
  it('verhoeff', () => {
    expect(verhoeff('2363')).toBe(true);
    expect(verhoeff('2364')).toBe(false);
  });
  it('entropy', () => {
    expect(entropy('aaaa')).toBe(0);
    expect(entropy('abcd')).toBe(2);
  });
  it('rot13 of patterns keeps escapes and groups', () => {
    expect(rot13('Hello')).toBe('Uryyb');
    expect(rot13Pattern(String.raw`\bignore\s+(?:all)`)).toBe(String.raw`\bvtaber\s+(?:nyy)`);
    expect(rot13Pattern('[a-z]')).toBeNull();
  });
});
