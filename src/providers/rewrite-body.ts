import { messageTexts } from '../engine/context.js';
import type { Message, Modifications } from '../engine/types.js';

/** Fields whose object value a parser turned into JSON text (tool-call arguments and outputs). */
const JSON_TEXT_FIELDS = new Set(['input', 'arguments', 'output']);

/**
 * Applies the engine's modifications to the wire body the client sent: the downgraded
 * model, and redacted texts. The engine rewrote neutral messages in place and in order,
 * so pairing the texts before and after gives each replacement; every occurrence of an
 * original text in the body is replaced. Returns a new body; the input is not changed.
 */
export function applyModifications(body: Record<string, unknown>, original: readonly Message[], modifications: Modifications): Record<string, unknown> {
  let out: Record<string, unknown> = body;
  if (modifications.messages) {
    const replacements = pairTexts(original, modifications.messages);
    if (replacements.size) out = replaceTexts(out, replacements) as Record<string, unknown>;
  }
  if (modifications.model) out = { ...out, model: modifications.model.to };
  return out;
}

function pairTexts(before: readonly Message[], after: readonly Message[]): Map<string, string> {
  const a = messageTexts(before).texts;
  const b = messageTexts(after).texts;
  const map = new Map<string, string>();
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const from = a[i] as string;
    const to = b[i] as string;
    if (from !== to) map.set(from, to);
  }
  return map;
}

function replaceTexts(value: unknown, replacements: ReadonlyMap<string, string>, field?: string): unknown {
  if (typeof value === 'string') return replacements.get(value) ?? value;
  if (typeof value !== 'object' || value === null) return value;
  if (field !== undefined && JSON_TEXT_FIELDS.has(field) && !Array.isArray(value)) {
    const asText = replacements.get(JSON.stringify(value));
    if (asText !== undefined) return parseOr(asText);
  }
  if (Array.isArray(value)) return value.map((item) => replaceTexts(item, replacements));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = replaceTexts(item, replacements, key);
  return out;
}

/** A redacted JSON argument object stays an object when it still parses; else its redacted text. */
function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The body to forward for a modify decision, or `undefined` when a redaction could not be
 * applied safely to this body shape (the caller must then refuse, never forward the original):
 * the rewritten body is parsed again and its texts must be exactly the redacted ones.
 */
export function modifiedBody(
  parse: (body: unknown) => { messages: Message[] },
  body: Record<string, unknown>,
  original: readonly Message[],
  modifications: Modifications,
): Record<string, unknown> | undefined {
  const rewritten = applyModifications(body, original, modifications);
  if (modifications.messages && !textsMatch(parse(rewritten).messages, modifications.messages)) return undefined;
  return rewritten;
}

/**
 * True when every text of `expected` is what the rewritten body yields when parsed again.
 * The gateway checks this before forwarding a redaction, so a body shape the rewrite
 * missed fails closed instead of leaking the original text upstream.
 */
export function textsMatch(actual: readonly Message[], expected: readonly Message[]): boolean {
  const a = messageTexts(actual).texts;
  const b = messageTexts(expected).texts;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
