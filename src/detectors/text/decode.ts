// Decoders for the encoded-payload pass. Each returns readable text or null, so a
// random-looking identifier that happens to be valid base64 is not rescanned as noise.

/** True when most characters are printable text (letters, digits, punctuation, spaces). */
export function looksLikeText(s: string): boolean {
  if (s.length < 4) return false;
  let printable = 0;
  let letters = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 32) letters++;
  }
  return printable / s.length >= 0.95 && letters / s.length >= 0.6;
}

export function decodeBase64(segment: string): string | null {
  const b64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const decoded = Buffer.from(b64, 'base64').toString('latin1');
  return looksLikeText(decoded) ? decoded : null;
}

export function decodeHex(segment: string): string | null {
  const hex = segment.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (hex.length % 2 !== 0) return null;
  const decoded = Buffer.from(hex, 'hex').toString('latin1');
  return looksLikeText(decoded) ? decoded : null;
}

export function decodeUrl(segment: string): string | null {
  try {
    const decoded = decodeURIComponent(segment.replace(/\+/g, ' '));
    return decoded !== segment && looksLikeText(decoded) ? decoded : null;
  } catch {
    return null;
  }
}

export function rot13(s: string): string {
  return s.replace(/[a-zA-Z]/g, (ch) => {
    const base = ch <= 'Z' ? 65 : 97;
    return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/**
 * ROT13 of a regex source, rotating only literal letters. Escapes (`\s`, `\b`, `\d`),
 * group syntax and quantifiers are kept. Returns null for sources with character
 * classes, where rotating ranges would change their meaning.
 */
export function rot13Pattern(source: string): string | null {
  if (source.includes('[')) return null;
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] as string;
    if (ch === '\\') {
      out += ch + (source[i + 1] ?? '');
      i++;
    } else if (ch === '(' && source[i + 1] === '?') {
      out += '(?';
      i++;
      if (source[i + 1] === ':') {
        out += ':';
        i++;
      }
    } else {
      out += rot13(ch);
    }
  }
  return out;
}
