// A structural diff of two JSON documents: what a reviewer of a policy change needs
// (which rule field went from what to what), not a line diff of pretty-printed text.

export interface JsonChange {
  /** `rules[1].patterns[0]`; `` for the whole document. */
  path: string;
  op: 'added' | 'removed' | 'changed';
  from?: unknown;
  to?: unknown;
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function jsonDiff(from: unknown, to: unknown, path = '', out: JsonChange[] = []): JsonChange[] {
  if (isObject(from) && isObject(to)) {
    for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
      if (!(key in to)) out.push({ path: join(path, key), op: 'removed', from: from[key] });
      else if (!(key in from)) out.push({ path: join(path, key), op: 'added', to: to[key] });
      else jsonDiff(from[key], to[key], join(path, key), out);
    }
    return out;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const n = Math.max(from.length, to.length);
    for (let i = 0; i < n; i += 1) {
      if (i >= to.length) out.push({ path: join(path, i), op: 'removed', from: from[i] });
      else if (i >= from.length) out.push({ path: join(path, i), op: 'added', to: to[i] });
      else jsonDiff(from[i], to[i], join(path, i), out);
    }
    return out;
  }
  if (JSON.stringify(from) !== JSON.stringify(to)) out.push({ path, op: 'changed', from, to });
  return out;
}
