/** Characters a label value may hold; anything else is not a name Warden should export. */
const NAME = /^[\w.:/@+-]{1,128}$/;

/**
 * Keeps a label's value set bounded: the first `max` distinct names pass, later ones read
 * `other`, so a client cycling model names cannot grow the series count without end.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  value(name: string | undefined | null, admit = true): string {
    if (name === undefined || name === null || name === '') return 'none';
    if (this.seen.has(name)) return name;
    if (!admit || this.seen.size >= this.max || !NAME.test(name)) return 'other';
    this.seen.add(name);
    return name;
  }
}
