// Validation of PII hits: checksums and the invalidation rules each issuer publishes.
// A validator returns false to reject, or a score once the value is known to be valid.
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { MatchInfo } from '../types.js';
import { digitsOf, isDate, iso7064Mod11_10, luhn, mod97, verhoeff, weightedSum } from '../text/checksums.js';

const allSame = (d: string): boolean => /^(\d)\1*$/.test(d);

export function creditCard(m: MatchInfo): boolean | number {
  const d = digitsOf(m.value);
  if (d.length < 12 || d.length > 19 || allSame(d) || !luhn(d)) return false;
  const seps = m.value.replace(/\d/g, '');
  if (seps.length > 0 && new Set(seps).size > 1) return false;
  // Known issuer prefixes (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro).
  if (/^(?:4|5[1-5]|2[2-7]|3[47]|6011|64[4-9]|65|35|30[0-5]|36|38|39|62|50|5[6-8]|6[0-9]|1800|2131)/.test(d)) return 0.9;
  return 0.6;
}

const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22,
  GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31,
  MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24,
  SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

export function iban(m: MatchInfo): boolean | number {
  const v = m.value.replace(/[\s-]/g, '').toUpperCase();
  const len = IBAN_LENGTHS[v.slice(0, 2)];
  if (len === undefined || v.length !== len) return false;
  return mod97(v.slice(4) + v.slice(0, 4)) === 1 ? 1 : false;
}

export const COUNTRY_CODES = new Set(
  (
    Object.keys(IBAN_LENGTHS).join(' ') +
    ' US CA MX AR CL CO PE VE AU NZ JP CN HK TW KR SG MY TH ID PH VN IN ZA NG KE MA DZ RU UZ'
  ).split(' '),
);

export function swift(m: MatchInfo): boolean {
  return COUNTRY_CODES.has(m.value.slice(4, 6));
}

export function abaRouting(m: MatchInfo): boolean {
  const d = digitsOf(m.value);
  if (d.length !== 9 || allSame(d)) return false;
  const prefix = Number(d.slice(0, 2));
  if (!((prefix <= 12) || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80)) return false;
  return weightedSum(d, [3, 7, 1, 3, 7, 1, 3, 7, 1]) % 10 === 0;
}

export function ipv4(m: MatchInfo): boolean | number {
  // Version strings ("v1.2.3.4", "version 1.2.3.4") are the classic false positive.
  const before = m.text.slice(Math.max(0, m.start - 9), m.start).toLowerCase();
  if (/(?:v|version\s?)$/.test(before)) return false;
  // Part of a longer dotted run ("03.93.92.16.85" is a phone number), not an address.
  if (/\d\.$/.test(before) || /^\.\d/.test(m.text.slice(m.end, m.end + 2))) return false;
  return m.value === '0.0.0.0' ? 0.4 : 0.7;
}

export function ipv6(m: MatchInfo): boolean | number {
  if (!isIPv6(m.value)) return false;
  // "12:30:45"-like times never pass isIPv6, but "a::b" does; demand some substance.
  return m.value.replace(/[^0-9a-fA-F]/g, '').length >= 6 ? 0.7 : false;
}

export function mac(m: MatchInfo): boolean {
  const seps = m.value.replace(/[0-9a-fA-F]/g, '');
  return new Set(seps).size === 1;
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Check(s: string): boolean {
  let n = 0n;
  for (const ch of s) {
    const i = B58.indexOf(ch);
    if (i < 0) return false;
    n = n * 58n + BigInt(i);
  }
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let lead = 0;
  while (s[lead] === '1') lead++;
  const bytes = Buffer.concat([Buffer.alloc(lead), Buffer.from(hex, 'hex')]);
  if (bytes.length < 5) return false;
  const payload = bytes.subarray(0, bytes.length - 4);
  const sum = createHash('sha256').update(createHash('sha256').update(payload).digest()).digest();
  return sum.subarray(0, 4).equals(bytes.subarray(bytes.length - 4));
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function bech32Check(s: string): boolean {
  const lower = s.toLowerCase();
  const pos = lower.lastIndexOf('1');
  if (pos < 1) return false;
  const hrp = lower.slice(0, pos);
  const data: number[] = [];
  for (const ch of lower.slice(pos + 1)) {
    const v = BECH32.indexOf(ch);
    if (v < 0) return false;
    data.push(v);
  }
  const values = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31), ...data];
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >> i) & 1) chk ^= GEN[i] as number;
  }
  // 1 = bech32 (segwit v0), 0x2bc830a3 = bech32m (taproot).
  return chk === 1 || chk === 0x2bc830a3;
}

export function cryptoWallet(m: MatchInfo): boolean | number {
  const v = m.value;
  if (v.startsWith('0x')) return /[a-f]/i.test(v) && /\d/.test(v) ? 0.6 : false;
  if (/^bc1/i.test(v)) return bech32Check(v) ? 1 : false;
  return base58Check(v) ? 1 : false;
}

export function usSsn(m: MatchInfo): boolean | number {
  const seps = m.value.replace(/\d/g, '');
  if (seps.length === 1 || (seps.length === 2 && seps[0] !== seps[1])) return false;
  const d = digitsOf(m.value);
  const area = d.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (d.slice(3, 5) === '00' || d.slice(5) === '0000') return false;
  if (allSame(d) || d === '123456789' || d === '078051120' || d === '219099999') return false;
  return seps.length === 2 ? 0.5 : 0.3;
}

export function usNpi(m: MatchInfo): boolean {
  return luhn(`80840${m.value}`);
}

export function ukNhs(m: MatchInfo): boolean | number {
  const d = digitsOf(m.value);
  if (d.length !== 10 || allSame(d)) return false;
  let check = 11 - (weightedSum(d, [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
  if (check === 11) check = 0;
  return check !== 10 && check === d.charCodeAt(9) - 48;
}

export function ukNino(m: MatchInfo): boolean {
  const p = m.value.slice(0, 2);
  return !['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(p);
}

export function caSin(m: MatchInfo): boolean {
  const d = digitsOf(m.value);
  return d[0] !== '0' && d[0] !== '8' && !allSame(d) && luhn(d);
}

const NIF_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

export function esNif(m: MatchInfo): boolean {
  const v = m.value.replace('-', '');
  return NIF_LETTERS[Number(v.slice(0, 8)) % 23] === v[8];
}

export function esNie(m: MatchInfo): boolean {
  const v = m.value.replace(/-/g, '');
  const n = 'XYZ'.indexOf(v[0] as string) + v.slice(1, 8);
  return NIF_LETTERS[Number(n) % 23] === v[8];
}

const IT_ODD: Record<string, number> = {};
'1 0 5 7 9 13 15 17 19 21 2 4 18 20 11 3 6 8 12 14 16 10 22 25 24 23'.split(' ').forEach((v, i) => {
  IT_ODD[String.fromCharCode(65 + i)] = Number(v);
  if (i < 10) IT_ODD[String(i)] = Number(v);
});

export function itFiscalCode(m: MatchInfo): boolean {
  const v = m.value.toUpperCase();
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const ch = v[i] as string;
    if (i % 2 === 0) sum += IT_ODD[ch] ?? 0;
    else sum += ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : ch.charCodeAt(0) - 65;
  }
  return String.fromCharCode(65 + (sum % 26)) === v[15];
}

export function plPesel(m: MatchInfo): boolean {
  const d = m.value;
  if (allSame(d)) return false;
  const check = (10 - (weightedSum(d, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10;
  if (check !== d.charCodeAt(10) - 48) return false;
  const month = Number(d.slice(2, 4)) % 20;
  return isDate(2000, month, Number(d.slice(4, 6)));
}

export function deTaxId(m: MatchInfo): boolean {
  const d = digitsOf(m.value);
  if (d.length !== 11 || d[0] === '0') return false;
  // Among the first ten digits exactly one digit repeats (two or three times).
  const counts = new Map<string, number>();
  for (const ch of d.slice(0, 10)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const repeats = [...counts.values()].filter((c) => c > 1);
  if (repeats.length !== 1 || (repeats[0] as number) > 3) return false;
  return iso7064Mod11_10(d);
}

export function sePersonnummer(m: MatchInfo): boolean {
  const d = digitsOf(m.value);
  const ten = d.length === 12 ? d.slice(2) : d;
  if (ten.length !== 10) return false;
  const month = Number(ten.slice(2, 4));
  const day = Number(ten.slice(4, 6)) % 60; // samordningsnummer add 60 to the day
  return isDate(2000, month, day) && luhn(ten);
}

export function auTfn(m: MatchInfo): boolean {
  const d = digitsOf(m.value);
  if (d.length === 9) return weightedSum(d, [1, 4, 3, 7, 5, 8, 6, 9, 10]) % 11 === 0;
  if (d.length === 8) return weightedSum(d, [10, 7, 8, 4, 6, 3, 5, 1]) % 11 === 0;
  return false;
}

export function auAbn(m: MatchInfo): boolean {
  const d = digitsOf(m.value);
  if (d.length !== 11 || d[0] === '0') return false;
  const first = String(Number(d[0]) - 1);
  return weightedSum(first + d.slice(1), [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]) % 89 === 0;
}

export function inAadhaar(m: MatchInfo): boolean {
  const d = digitsOf(m.value);
  return !allSame(d) && verhoeff(d);
}

export function sgNric(m: MatchInfo): boolean {
  const v = m.value.toUpperCase();
  const d = v.slice(1, 8);
  let sum = weightedSum(d, [2, 7, 6, 5, 4, 3, 2]);
  const prefix = v[0] as string;
  if (prefix === 'T' || prefix === 'G') sum += 4;
  if (prefix === 'M') sum += 3;
  const r = sum % 11;
  const table = prefix === 'S' || prefix === 'T' ? 'JZIHGFEDCBA' : prefix === 'M' ? 'KLJNPQRTUWX' : 'XWUTRQPNMLK';
  return table[prefix === 'M' ? 10 - r : r] === v[8];
}

export function zaId(m: MatchInfo): boolean {
  const d = m.value;
  return isDate(2000, Number(d.slice(2, 4)), Number(d.slice(4, 6))) && luhn(d);
}

export function nlBsn(m: MatchInfo): boolean {
  const d = digitsOf(m.value);
  if (d.length !== 9 || allSame(d)) return false;
  const sum = weightedSum(d, [9, 8, 7, 6, 5, 4, 3, 2]) - (d.charCodeAt(8) - 48);
  return sum % 11 === 0;
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

export function dateOfBirth(m: MatchInfo): boolean {
  const v = m.value.toLowerCase();
  const nums = v.match(/\d+/g)?.map(Number) ?? [];
  const word = v.match(/[a-z]{3}/);
  if (word) {
    const month = MONTHS[word[0]];
    const day = nums.find((n) => n <= 31);
    const year = nums.find((n) => n > 31);
    return month !== undefined && day !== undefined && year !== undefined && isDate(year, month, day);
  }
  const [a, b, c] = nums as [number, number, number];
  if (String(a).length === 4 || v.indexOf(String(a)) === 0 && /^\d{4}/.test(v)) return isDate(a, b, c);
  // Day-first or month-first: accept when either reading is a date.
  const year = c < 100 ? 1900 + c : c;
  return isDate(year, b, a) || isDate(year, a, b);
}
