// Normalization before detection: NFKC (fullwidth digits, ligatures, compatibility
// forms), removal of zero-width, bidi and variation-selector characters, and decoding of
// Unicode tag characters back to ASCII (the "ASCII smuggling" trick). Detection runs on
// the normalized text; a per-code-unit offset map brings spans back to the original so
// the caller can redact the text it actually holds.

export type HiddenKind = 'unicode_tags' | 'zero_width' | 'bidi_control' | 'variation_selector';

export interface HiddenRun {
  readonly kind: HiddenKind;
  /** Offsets in the original text. */
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

export interface Normalized {
  readonly text: string;
  /**
   * For each code unit of `text`, where its source starts and ends in the original.
   * Null when the text needed no change (the common, all-ASCII case).
   */
  readonly starts: Int32Array | null;
  readonly ends: Int32Array | null;
  readonly hidden: readonly HiddenRun[];
}

// Anything outside printable ASCII plus \t\n\r needs a look; most traffic never does.
const NEEDS_WORK = /[^\t\n\r\x20-\x7e]/;

function hiddenKind(cp: number): HiddenKind | null {
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'unicode_tags';
  if (cp === 0x200b || cp === 0x200c || cp === 0x200d || cp === 0x2060 || cp === 0xfeff || cp === 0x00ad || cp === 0x180e) {
    return 'zero_width';
  }
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f || cp === 0x061c) {
    return 'bidi_control';
  }
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return 'variation_selector';
  return null;
}

const COMBINING = /\p{M}/u;

export function normalize(input: string): Normalized {
  if (!NEEDS_WORK.test(input)) return { text: input, starts: null, ends: null, hidden: [] };

  let out = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const hidden: HiddenRun[] = [];
  let run: { kind: HiddenKind; start: number; end: number; count: number } | null = null;
  let changed = false;

  const flushRun = (): void => {
    if (run) hidden.push(run);
    run = null;
  };

  let i = 0;
  while (i < input.length) {
    const cp = input.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    if (cp < 0x80) {
      flushRun();
      out += input[i];
      starts.push(i);
      ends.push(i + 1);
      i += 1;
      continue;
    }
    const kind = hiddenKind(cp);
    if (kind) {
      changed = true;
      if (run && run.kind === kind && run.end === i) {
        run.end = i + width;
        run.count += 1;
      } else {
        flushRun();
        run = { kind, start: i, end: i + width, count: 1 };
      }
      // Tag characters mirror ASCII (U+E0041 is 'A'): decode them so hidden
      // instructions are scanned like visible ones.
      if (kind === 'unicode_tags' && cp >= 0xe0020 && cp <= 0xe007e) {
        out += String.fromCharCode(cp - 0xe0000);
        starts.push(i);
        ends.push(i + width);
      }
      i += width;
      continue;
    }
    flushRun();
    // Normalize a base character together with its combining marks so NFKC can compose.
    let j = i + width;
    while (j < input.length) {
      const next = input.codePointAt(j) as number;
      if (!COMBINING.test(String.fromCodePoint(next))) break;
      j += next > 0xffff ? 2 : 1;
    }
    const segment = input.slice(i, j);
    const norm = segment.normalize('NFKC');
    if (norm !== segment) changed = true;
    for (let k = 0; k < norm.length; k++) {
      out += norm[k];
      starts.push(i);
      ends.push(j);
    }
    i = j;
  }
  flushRun();
  if (!changed) return { text: input, starts: null, ends: null, hidden };
  return { text: out, starts: Int32Array.from(starts), ends: Int32Array.from(ends), hidden };
}

/** Maps a [start, end) span of the normalized text back to the original. */
export function originalSpan(n: Normalized, start: number, end: number): [number, number] {
  if (!n.starts || !n.ends) return [start, end];
  if (n.text.length === 0) return [0, 0];
  const s = n.starts[Math.min(start, n.starts.length - 1)] as number;
  const e = end > start ? (n.ends[Math.min(end - 1, n.ends.length - 1)] as number) : s;
  return [s, e];
}
