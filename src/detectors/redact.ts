// Redaction with typed placeholders. The same value gets the same placeholder everywhere
// in one request (`[EMAIL_1]` in the system prompt and in a tool result alike), so the
// model can still reason about "the same address", and the map allows restoring values
// in the response when a policy asks for it.
import type { Finding } from './types.js';

export interface RedactionResult {
  readonly texts: string[];
  /** Placeholder -> original value. Sensitive: never log it; keep it in memory only. */
  readonly placeholders: ReadonlyMap<string, string>;
  /** Entity type -> number of spans redacted (values, not distinct values). */
  readonly counts: ReadonlyMap<string, number>;
}

/**
 * Shared numbering state, so a stream (or several calls within one request) keeps
 * placeholders consistent across calls.
 */
export interface RedactionState {
  readonly byValue: Map<string, string>;
  readonly placeholders: Map<string, string>;
  readonly next: Map<string, number>;
}

export function createRedactionState(): RedactionState {
  return { byValue: new Map(), placeholders: new Map(), next: new Map() };
}

/** Placeholder label of an entity type: `EMAIL`, `CREDIT_CARD`, `GITHUB_PAT`. */
function label(entity: string): string {
  return entity.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export function placeholderFor(state: RedactionState, entity: string, value: string): string {
  const key = `${entity}\u0000${value}`;
  const existing = state.byValue.get(key);
  if (existing) return existing;
  const n = (state.next.get(entity) ?? 0) + 1;
  state.next.set(entity, n);
  const placeholder = `[${label(entity)}_${n}]`;
  state.byValue.set(key, placeholder);
  state.placeholders.set(placeholder, value);
  return placeholder;
}

/**
 * Replaces every finding's span with its placeholder. Findings may come in any order; on
 * overlap the earlier-starting (then longer) span wins and the other is dropped.
 */
export function redact(
  texts: readonly string[],
  findings: readonly Finding[],
  state: RedactionState = createRedactionState(),
): RedactionResult {
  const counts = new Map<string, number>();
  const byText = new Map<number, Finding[]>();
  for (const f of findings) {
    const list = byText.get(f.textIndex) ?? [];
    list.push(f);
    byText.set(f.textIndex, list);
  }
  const out = texts.slice();
  for (const [index, list] of byText) {
    const text = texts[index];
    if (text === undefined) continue;
    list.sort((a, b) => a.start - b.start || b.end - a.end);
    let result = '';
    let cursor = 0;
    for (const f of list) {
      if (f.start < cursor || f.end <= f.start) continue;
      result += text.slice(cursor, f.start) + placeholderFor(state, f.entity, text.slice(f.start, f.end));
      cursor = f.end;
      counts.set(f.entity, (counts.get(f.entity) ?? 0) + 1);
    }
    out[index] = result + text.slice(cursor);
  }
  return { texts: out, placeholders: state.placeholders, counts };
}

/** Puts original values back where placeholders of this request appear (e.g. in a response). */
export function restore(text: string, placeholders: ReadonlyMap<string, string>): string {
  if (placeholders.size === 0 || !text.includes('[')) return text;
  return text.replace(/\[[A-Z0-9_]+_\d+\]/g, (p) => placeholders.get(p) ?? p);
}

/** "EMAIL x2, PHONE x1": the only form in which findings reach reasons and logs. */
export function summarize(findings: readonly Finding[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.entity, (counts.get(f.entity) ?? 0) + 1);
  return [...counts].map(([entity, n]) => `${entity} x${n}`).join(', ');
}
