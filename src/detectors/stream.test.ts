import { describe, expect, it } from 'vitest';
import { compileScanner } from './scanner.js';
import { createStreamScanner } from './stream.js';

const scanner = compileScanner({ prompt_injection: false, encoding: false, exfiltration: false });

function run(chunks: string[], holdBack = 64) {
  const stream = createStreamScanner(scanner, { holdBack });
  const steps = chunks.map((c) => stream.push(c));
  steps.push(stream.end());
  return { text: steps.map((s) => s.emit).join(''), findings: steps.flatMap((s) => s.findings), steps, stream };
}

describe('stream scanner', () => {
  it('catches a secret split across chunks and redacts it mid-stream', () => {
    const key = `ghp_${'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5'}`;
    const full = `Here is the token ${key} and some more words after it to flush the window. `.repeat(2);
    const chunks = full.match(/.{1,7}/gs) ?? [];
    const { text, findings } = run(chunks);
    expect(text).not.toContain(key);
    expect(text).toContain('[GITHUB_PAT_1]');
    expect(findings.filter((f) => f.entity === 'GITHUB_PAT')).toHaveLength(2);
    const first = findings[0];
    expect(full.slice(first?.start, first?.end)).toBe(key);
    expect(first?.chunk).toBeGreaterThan(0);
  });

  it('emits everything unchanged when nothing is found', () => {
    const words = 'The quick brown fox jumps over the lazy dog. '.repeat(10);
    const { text, steps } = run(words.match(/.{1,5}/gs) ?? [], 16);
    expect(text).toBe(words);
    expect(steps.some((s) => s.emit.length > 0 && s !== steps[steps.length - 1])).toBe(true);
  });

  it('does not emit half of a finding at the window edge', () => {
    const { text } = run(['mail jane.doe@', 'example-mail.com now'], 32);
    expect(text).toBe('mail [EMAIL_1] now');
  });
});
