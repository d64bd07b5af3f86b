import { describe, expect, it } from 'vitest';
import { isoTimestamp } from './iso-time.js';

describe('isoTimestamp', () => {
  it('matches Date#toISOString, across second, day and year boundaries', () => {
    const samples = [0, 1, 999, 1000, 1_700_000_000_000, 1_700_000_000_007, 1_700_000_000_070, 1_700_000_000_999, 1_700_000_001_000, Date.parse('2026-12-31T23:59:59.999Z'), Date.parse('2027-01-01T00:00:00.000Z'), 1_700_000_000_123.9];
    for (const ms of [...samples, ...samples.reverse()]) expect(isoTimestamp(ms)).toBe(new Date(Math.floor(ms)).toISOString());
  });

  it('matches it for a run of consecutive milliseconds', () => {
    const start = Date.parse('2026-11-22T07:59:59.500Z');
    for (let ms = start; ms < start + 1_200; ms++) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});
