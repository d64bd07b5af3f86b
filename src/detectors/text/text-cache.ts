/**
 * A bounded map from texts to what was worked out from them (a token count, a scan's
 * findings): conversations resend the same system prompt and history on every call. Bounded
 * by entries and by characters; the oldest entries go first. The texts are held in memory
 * only, as long as they stay in the cache.
 */
export class TextCache<V> {
  readonly #entries = new Map<string, V>();
  #chars = 0;

  /** By default 4,096 texts and 4 M characters in all. */
  constructor(
    private readonly maxEntries = 4096,
    private readonly maxChars = 4_000_000,
  ) {}

  get(text: string): V | undefined {
    return this.#entries.get(text);
  }

  set(text: string, value: V): void {
    if (text.length > this.maxChars / 8) return; // one huge string must not flush everything
    while (this.#entries.size >= this.maxEntries || this.#chars + text.length > this.maxChars) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
      this.#chars -= oldest.value.length;
    }
    this.#entries.set(text, value);
    this.#chars += text.length;
  }

  clear(): void {
    this.#entries.clear();
    this.#chars = 0;
  }
}
