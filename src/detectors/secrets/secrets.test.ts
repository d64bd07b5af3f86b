import { describe, expect, it } from 'vitest';
import { compileScanner } from '../scanner.js';
import { SECRET_FIXTURES } from './fixtures.js';
import { SECRET_RULES, isExampleSecret } from './index.js';

const scanner = compileScanner({ pii: false, prompt_injection: false, encoding: false, exfiltration: false });
const rulesIn = (text: string): string[] => scanner.scan([`config:\n${text}\n`]).map((f) => f.recognizer);

describe('secret rules', () => {
  it('has at least 100 credential types', () => {
    expect(SECRET_RULES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(SECRET_RULES.map((r) => r.id)).size).toBe(SECRET_RULES.length);
  });

  it('has true- and false-positive fixtures for every rule', () => {
    const missing = SECRET_RULES.map((r) => r.id).filter((id) => {
      const f = SECRET_FIXTURES[id];
      return !f || f[0].length === 0 || f[1].length === 0;
    });
    expect(missing).toEqual([]);
  });

  const cases = SECRET_RULES.map((r) => [r.id, SECRET_FIXTURES[r.id] ?? [[], []]] as const);

  it.each(cases)('%s: true positives', (id, [positives]) => {
    for (const text of positives) expect(rulesIn(text), text.slice(0, 40)).toContain(id);
  });

  it.each(cases)('%s: false positives', (id, [, negatives]) => {
    for (const text of negatives) expect(rulesIn(text), text.slice(0, 40)).not.toContain(id);
  });

  it('skips vendor EXAMPLE keys by default and reports them on request', () => {
    expect(isExampleSecret('AKIAIOSFODNN7EXAMPLE')).toBe(true);
    const strict = compileScanner({ pii: false, prompt_injection: false, encoding: false, exfiltration: false, reportExampleSecrets: true });
    expect(strict.scan(['AKIAIOSFODNN7EXAMPLE']).map((f) => f.entity)).toEqual(['AWS_ACCESS_KEY_ID']);
    expect(scanner.scan(['AKIAIOSFODNN7EXAMPLE'])).toEqual([]);
  });

  it('finds nothing in ordinary code', () => {
    const code = [
      'export function add(a: number, b: number): number { return a + b; }',
      'const token = await getAccessTokenFromStorage();',
      'const password = req.body.password;',
      'import { createHash } from "node:crypto"; // sha256 of the payload',
      'git commit 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
    ].join('\n');
    expect(scanner.scan([code])).toEqual([]);
  });
});
