// Deterministic reply bodies in the exact OpenAI and Anthropic wire formats, so the
// official SDKs parse them as they would the real APIs.

/** Reply text for a request: an echo of the last user text, short and predictable. */
export function echoText(lastUserText: string): string {
  const trimmed = lastUserText.replace(/\s+/g, ' ').trim().slice(0, 60);
  return `Echo: ${trimmed}`;
}

/** A rough token count (about four characters a token), enough for realistic `usage`. */
export function mockTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Splits a reply into a few stream deltas (word boundaries, spaces kept). */
export function deltas(text: string): string[] {
  const parts = text.match(/\S+\s*/g) ?? [text];
  return parts.length ? parts : [''];
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join(' ');
  return '';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The last user text of a chat, messages or responses body, and all its input text. */
export function readPrompt(body: Record<string, unknown>): { last: string; all: string } {
  const texts: string[] = [];
  let last = '';
  if (typeof body.system === 'string') texts.push(body.system);
  if (typeof body.instructions === 'string') texts.push(body.instructions);
  const list = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : [];
  for (const message of list) {
    if (!isObject(message)) continue;
    const text = textOf(message.content);
    texts.push(text);
    if (message.role === 'user') last = text;
  }
  return { last, all: texts.join('\n') };
}

export function openAiModels(created: number): Record<string, unknown> {
  const ids = ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'];
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'mock' })) };
}

/** Eight deterministic floats per input; base64 of float32 little-endian when asked, as OpenAI does. */
export function embedding(index: number, format: unknown): number[] | string {
  const values = Array.from({ length: 8 }, (_, i) => Number(Math.sin(index + i + 1).toFixed(6)));
  if (format !== 'base64') return values;
  const bytes = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) bytes.writeFloatLE(v, i * 4);
  return bytes.toString('base64');
}
