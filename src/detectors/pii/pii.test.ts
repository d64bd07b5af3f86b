import { describe, expect, it } from 'vitest';
import { compileScanner } from '../scanner.js';
import { PII_ENTITIES, PII_RECOGNIZERS } from './recognizers.js';

const scanner = compileScanner({
  pii: { entities: PII_ENTITIES },
  secrets: false,
  prompt_injection: false,
  encoding: false,
  exfiltration: false,
});

function found(text: string): { entity: string; value: string }[] {
  return scanner.scan([text]).map((f) => ({ entity: f.entity, value: text.slice(f.start, f.end) }));
}

// [entity, text with a valid value, the value, near miss that must not be reported as the entity]
const CASES: [string, string, string, string][] = [
  ['EMAIL', 'write to jane.roe@mail.example.co.uk today', 'jane.roe@mail.example.co.uk', 'write to jane.roe@localhost today'],
  ['PHONE', 'call me at +1-415-555-2671', '+1-415-555-2671', 'build 2023-04-16 11:34 passed'],
  ['PHONE', 'Phone: 0490 75 40 81', '0490 75 40 81', 'order 0490 shipped 75 times'],
  ['CREDIT_CARD', 'card 4111 1111 1111 1111 exp 12/29', '4111 1111 1111 1111', 'card 4111 1111 1111 1112 exp 12/29'],
  ['IBAN', 'pay to GB82 WEST 1234 5698 7654 32', 'GB82 WEST 1234 5698 7654 32', 'pay to GB83 WEST 1234 5698 7654 32'],
  ['SWIFT_CODE', 'swift code DEUTDEFF500', 'DEUTDEFF500', 'the word ABSOLUTE alone'],
  ['ABA_ROUTING', 'routing number 011000015', '011000015', 'routing number 011000016'],
  ['IP_ADDRESS', 'server at 192.168.10.24 is down', '192.168.10.24', 'upgrade to v1.2.3.4 now'],
  ['IP_ADDRESS', 'ip 2001:db8::8a2e:370:7334', '2001:db8::8a2e:370:7334', 'at 12:30:45 sharp'],
  ['MAC_ADDRESS', 'mac 00:1A:2B:3C:4D:5E', '00:1A:2B:3C:4D:5E', 'mac 00:1A-2B:3C:4D:5E'],
  ['URL_WITH_CREDENTIALS', 'get ftp://admin:s3cr3tpw@files.corp.net/x', 'ftp://admin:s3cr3tpw@files.corp.net', 'get ftp://files.corp.net/x'],
  ['CRYPTO_WALLET', 'btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'.slice(0, 0) + '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'btc 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'],
  ['CRYPTO_WALLET', 'to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp'],
  ['US_SSN', 'ssn 536-22-1234', '536-22-1234', 'ssn 666-22-1234'],
  ['US_SSN', 'social security number 536 22 1234', '536 22 1234', 'ssn 536-00-1234'],
  ['US_ITIN', 'itin 912-70-1234', '912-70-1234', 'itin 912-40-1234'],
  ['US_PASSPORT', 'passport number C03005988', 'C03005988', 'reference C03005988'],
  ['US_DRIVER_LICENSE', 'driver license D1234567', 'D1234567', 'model D1234567'],
  ['US_NPI', 'npi 1234567893', '1234567893', 'npi 1234567890'],
  ['US_MBI', 'medicare mbi 1EG4-TE5-MK73', '1EG4-TE5-MK73', 'medicare mbi 1EG4-TS5-MK73'],
  ['US_BANK_NUMBER', 'bank account number 12345678901', '12345678901', 'invoice 12345678901'],
  ['UK_NHS', 'nhs number 943 476 5919', '943 476 5919', 'nhs number 943 476 5918'],
  ['UK_NINO', 'nino AB 12 34 56 C', 'AB 12 34 56 C', 'nino BG 12 34 56 C'],
  ['UK_PASSPORT', 'uk passport 123456789', '123456789', 'order 123456789'],
  ['UK_POSTCODE', 'postcode SW1A 1AA', 'SW1A 1AA', 'postcode SW1A 1CA'],
  ['CA_SIN', 'sin 130 692 544', '130 692 544', 'sin 130 692 545'],
  ['ES_NIF', 'dni 12345678Z', '12345678Z', 'dni 12345678A'],
  ['ES_NIE', 'nie X1234567L', 'X1234567L', 'nie X1234567A'],
  ['IT_FISCAL_CODE', 'cf RSSMRA85T10A562S', 'RSSMRA85T10A562S', 'cf RSSMRA85T10A562T'],
  ['PL_PESEL', 'pesel 44051401359', '44051401359', 'pesel 44051401358'],
  ['DE_TAX_ID', 'steuer id 86095742719', '86095742719', 'steuer id 86095742718'],
  ['SE_PERSONNUMMER', 'personnummer 811218-9876', '811218-9876', 'personnummer 811218-9877'],
  ['AU_TFN', 'tfn 123 456 782', '123 456 782', 'tfn 123 456 783'],
  ['AU_ABN', 'abn 51 824 753 556', '51 824 753 556', 'abn 51 824 753 557'],
  ['IN_AADHAAR', 'aadhaar 2341 2341 2346', '2341 2341 2346', 'aadhaar 2341 2341 2347'],
  ['IN_PAN', 'pan ABCPD1234E', 'ABCPD1234E', 'pan ABCXD1234E'],
  ['SG_NRIC', 'nric S1234567D', 'S1234567D', 'nric S1234567E'],
  ['ZA_ID', 'id number 8001015009087', '8001015009087', 'id number 8001015009088'],
  ['NL_BSN', 'bsn 111222333', '111222333', 'bsn 111222334'],
  ['DATE_OF_BIRTH', 'born on 12 March 1985', '12 March 1985', 'meeting on 12 March 1985'],
  ['DATE_OF_BIRTH', 'DOB: 1985-03-12', '1985-03-12', 'DOB: 1985-13-12'],
  ['URL', 'see https://docs.example.org/a?b=1.', 'https://docs.example.org/a?b=1', 'see docs dot example'],
  ['PERSON', 'Yesterday Maria Lopez called', 'Maria Lopez', 'Yesterday Quantum Physics called'],
];

describe('PII recognizers', () => {
  it.each(CASES)('%s: finds %s', (entity, text, value) => {
    expect(found(text)).toContainEqual({ entity, value });
  });

  it.each(CASES)('%s: near miss %s', (entity, _text, _value, miss) => {
    expect(found(miss).filter((f) => f.entity === entity)).toEqual([]);
  });

  it('covers at least 35 entity types, each with a case', () => {
    expect(PII_ENTITIES.length).toBeGreaterThanOrEqual(35);
    const tested = new Set(CASES.map((c) => c[0]));
    expect(PII_ENTITIES.filter((e) => !tested.has(e))).toEqual([]);
  });

  it('keeps opt-in entities (URL, PERSON) off by default', () => {
    const fallback = compileScanner({ secrets: false, prompt_injection: false, encoding: false, exfiltration: false });
    const entities = fallback.scan(['Maria Lopez at https://example.org']).map((f) => f.entity);
    expect(entities).not.toContain('URL');
    expect(entities).not.toContain('PERSON');
  });

  it('does not flag plain prose', () => {
    expect(found('The quarterly report shows revenue grew 12% to 4.5 million in 2024.')).toEqual([]);
  });
});

describe('email locating from the @ (anchor)', () => {
  // The scanner starts each search at most 64 characters before the next `@`; the spans
  // must be exactly those of the pattern run over the whole text.
  const email = PII_RECOGNIZERS.find((r) => r.id === 'email');
  const scanner = compileScanner({ pii: { entities: ['EMAIL'] } });
  const local64 = 'a'.repeat(64);
  const texts = [
    'write to jane.roe@mail.example.com today',
    '@start then bob@example.org, and x@y.io; not-an-email@ then ann@example.com',
    `${local64}@example.com and ${local64}b@example.com and ${'c'.repeat(70)}.d@example.com`,
    `${'word '.repeat(40)}@ lonely at sign, later ${'e'.repeat(30)}@example.net`,
    'a@b.co@c.org first.last+tag@sub.domain.example.travel',
  ];
  for (const text of texts) {
    it(`finds what the pattern finds in: ${text.slice(0, 40)}...`, () => {
      const expected = [...text.matchAll(new RegExp(email?.pattern as string, 'g'))].map((m) => [m.index, m.index + m[0].length]);
      const found = scanner.scan([text]).filter((f) => f.entity === 'EMAIL').map((f) => [f.start, f.end]);
      expect(found).toEqual(expected);
      expect(found.length).toBeGreaterThan(0);
    });
  }
});
