// How an audit record is hashed onto its org's chain. The store writes the chain and
// `src/audit/verify` re-walks it, so both use these two functions and nothing else.
import { createHash } from 'node:crypto';

/** The `prev_hash` of an org's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted (by UTF-16 code unit, recursively), no whitespace and
 * `undefined` members left out, so the same record always hashes to the same value
 * whichever code built it. Non-finite numbers become `null`, as in JSON.stringify.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'object': {
      // Built in one pass (every audit append hashes a record): no entry arrays or joins.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, the order this format is defined by.
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`cannot hash a ${typeof value}`);
  }
}

/** `sha256(prev_hash + body)` in hex, where body is the record's canonical JSON. */
export function chainHash(prevHash: string, body: string): string {
  return createHash('sha256').update(prevHash, 'utf8').update(body, 'utf8').digest('hex');
}
