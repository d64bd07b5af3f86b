const KEY = '"usage"';

/**
 * The value of the last top-level-looking `"usage"` member of a JSON response, found by
 * scanning from the end instead of parsing the whole body: providers put usage last, and
 * an embeddings reply can be megabytes of numbers. Falls back to a full parse.
 */
export function findUsage(text: string): unknown {
  let at = text.lastIndexOf(KEY);
  while (at > 0 && text[at - 1] === '\\') at = text.lastIndexOf(KEY, at - 1);
  if (at >= 0) {
    let i = at + KEY.length;
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t' || text[i] === ':')) i++;
    if (text[i] === '{') {
      const end = objectEnd(text, i);
      if (end > 0) {
        try {
          return JSON.parse(text.slice(i, end));
        } catch {
          // fall through to the full parse
        }
      }
    }
  }
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && 'usage' in body ? (body as { usage: unknown }).usage : undefined;
  } catch {
    return undefined;
  }
}

/** Index just past the object starting at `start`, or -1. String-aware. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}
