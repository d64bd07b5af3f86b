import { describe, expect, it } from 'vitest';
import { canonicalJson } from './audit-chain.js';

/** The implementation every stored chain was hashed with so far: the new one must match it byte for byte. */
function reference(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => reference(item)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot hash a ${typeof value}`);
  }
}

const KEYS = ['a', 'B', 'z', '10', '9', '', 'é', 'ζ', '😀', 'request_id', 'decision', 'a"b', 'x\ny'];
let seed = 5;
const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x80000000;

function randomValue(depth: number): unknown {
  const r = next();
  if (depth > 3 || r < 0.3) return ['text', 'ü"\\', '', 0, -1.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY, true, false, null, undefined][Math.floor(next() * 12)];
  if (r < 0.5) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 6); i > 0; i--) out[KEYS[Math.floor(next() * KEYS.length)] as string] = randomValue(depth + 1);
  return out;
}

describe('canonicalJson', () => {
  it('sorts keys by code unit, drops undefined members and writes non-finite numbers as null', () => {
    expect(canonicalJson({ b: 1, a: [1, undefined, Number.NaN], c: undefined, '10': 'x', '9': true })).toBe('{"10":"x","9":true,"a":[1,null,null],"b":1}');
  });

  it('gives the same bytes as the implementation the existing chains were hashed with', () => {
    for (let i = 0; i < 5_000; i++) {
      const value = randomValue(0);
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });
});
