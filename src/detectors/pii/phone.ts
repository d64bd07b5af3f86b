// Phone numbers: a permissive candidate pattern, then validation. Numbers in international
// form must be valid or possible for their country (libphonenumber-js); national forms are
// scored by their layout, and context words ("call", "phone", "fax") carry the rest, as
// in Presidio.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { MatchInfo } from '../types.js';

const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
const IP_LIKE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const SSN_LIKE = /^\d{3}-\d{2}-\d{4}$/;
const DATE_PREFIX = /^(?:19|20)\d{2}[-./](?:0?[1-9]|1[0-2])[-./]\d{1,2}\b/;
/** North American layouts: (555) 123-4567, 555-123-4567, 555.123.4567, with optional +1/1. */
const NANP_LAYOUT = /^(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[-.])\d{3}[-.]\d{4}$/;

export const PHONE_PATTERN =
  '(?:^|[^\\w+.-])((?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{2,5}(?:[ .-]?\\(?\\d{1,5}\\)?){1,5}(?:\\s?(?:x|ext\\.?)\\s?\\d{1,5})?)\\b';

export function phone(m: MatchInfo): boolean | number {
  const value = m.value;
  const main = value.replace(/\s?(?:x|ext\.?)\s?\d+$/, '');
  const digits = main.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  if (DATE_LIKE.test(main) || IP_LIKE.test(main) || SSN_LIKE.test(main) || /^(\d)\1+$/.test(digits)) return false;
  // "2000-04-16 11:34" is a timestamp, not a number followed by text.
  if (DATE_PREFIX.test(main) || m.text[m.end] === ':') return false;
  // A bare run of digits without grouping is more often an id than a phone number.
  const grouped = /[\s().-]/.test(main) || main.startsWith('+');
  if (main.startsWith('+')) return parsed(main, international);
  // National formats: only the North American layout is distinctive enough to parse;
  // anything else is left to context words, which also keeps code and tables cheap.
  if (NANP_LAYOUT.test(main)) return parsed(main, northAmerican);
  return grouped ? 0.25 : 0.15;
}

function international(main: string): number | false {
  const p = parsePhoneNumberFromString(main);
  if (!p) return false;
  if (p.isValid()) return 0.75;
  return p.isPossible() ? 0.55 : false;
}

function northAmerican(main: string): number {
  return parsePhoneNumberFromString(main, 'US')?.isValid() ? 0.6 : 0.3;
}

// libphonenumber's parse is most of a phone check, and a conversation repeats its numbers
// in every call: verdicts are kept per number (a pure function of it), a bounded few.
const VERDICTS_KEPT = 4096;
const verdicts = new Map<string, number | false>();

function parsed(main: string, verdictOf: (main: string) => number | false): number | false {
  const key = `${verdictOf === international ? '+' : 'n'}${main}`;
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    if (verdicts.size >= VERDICTS_KEPT) verdicts.clear();
    verdict = verdictOf(main);
    verdicts.set(key, verdict);
  }
  return verdict;
}
