// Detector throughput and latency (npx tsx bench/detectors.ts). Prints a markdown table:
// MB/s on English prose and on source code, p50/p99 for a 2 KB prompt with every
// detector on, and the time a pathological tenant pattern takes on adversarial input.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileScanner } from '../src/detectors/index.js';
import type { Scanner } from '../src/detectors/index.js';

const here = dirname(fileURLToPath(import.meta.url));

const SENTENCES = [
  'The committee reviewed the quarterly figures and agreed to revisit the forecast in the spring.',
  'Our customers in the northern region asked for longer support hours during the holidays.',
  'She walked along the river at dawn, thinking about the letter she had not yet answered.',
  'Please find attached the draft agenda for next week, including the budget discussion.',
  'In 2023 the team shipped four major releases and reduced average response time by 18%.',
  'The museum opens at 9:30 on weekdays; tickets can be bought online or at the entrance.',
  'Researchers found that the new material keeps its strength at temperatures above 800 degrees.',
  'If the delivery is late, contact the warehouse manager before filing a formal complaint.',
];

function prose(bytes: number): string {
  let out = '';
  let i = 0;
  while (out.length < bytes) out += `${SENTENCES[i++ % SENTENCES.length]} ${i % 7 === 0 ? '\n\n' : ''}`;
  return out.slice(0, bytes);
}

function code(bytes: number): string {
  const dir = join(here, '..', 'src', 'detectors');
  const files = ['scanner.ts', 'redact.ts', 'stream.ts', 'text/normalize.ts', 'text/checksums.ts', 'pii/validators.ts'];
  const body = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  let out = '';
  while (out.length < bytes) out += body;
  return out.slice(0, bytes);
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function throughput(scanner: Scanner, text: string): number {
  const parts = chunks(text, 8192);
  for (let i = 0; i < 3; i++) for (const p of parts) scanner.scan([p]);
  const rounds = 5;
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) for (const p of parts) scanner.scan([p]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (text.length * rounds) / seconds / 1e6;
}

function latency(scanner: Scanner, texts: string[], iterations: number): { p50: number; p99: number } {
  for (let i = 0; i < 2000; i++) scanner.scan(texts);
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    scanner.scan(texts);
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  samples.sort();
  return { p50: samples[Math.floor(iterations * 0.5)] as number, p99: samples[Math.floor(iterations * 0.99)] as number };
}

const everything = compileScanner({
  pii: true,
  secrets: true,
  prompt_injection: true,
  encoding: true,
  exfiltration: true,
});

const prompt2k = [
  'You are a helpful assistant for Acme Corp. Answer questions about orders politely and briefly.',
  `${prose(1700)} My order number is 55121 and you can reach me at jane.roe@mail.example.com or +1-415-555-2671.`,
  'Can you check the shipping status and tell me when it will arrive?',
];
const size2k = prompt2k.join('').length;

const proseMBs = throughput(everything, prose(1 << 20));
const codeMBs = throughput(everything, code(1 << 20));
const lat = latency(everything, prompt2k, 20_000);

const evil = `${'a'.repeat(100_000)}!`;
const tenant = compileScanner({ custom: [{ entity: 'evil', pattern: '(a+)+$' }, { entity: 'evil2', pattern: '(a|aa)*b' }] });
const plain = compileScanner({});
const time = (s: Scanner): number => {
  s.scan([evil]);
  const t = process.hrtime.bigint();
  for (let i = 0; i < 10; i++) s.scan([evil]);
  return Number(process.hrtime.bigint() - t) / 1e6 / 10;
};
const evilMs = time(tenant);
const plainMs = time(plain);
const jsRegexNote = 'V8 backtracking would be exponential here';

console.log(`\n## Detectors (${new Date().toISOString().slice(0, 10)}, Node ${process.version})\n`);
console.log('| measure | value | target |');
console.log('|---|---:|---|');
console.log(`| throughput, English prose, all detectors | ${proseMBs.toFixed(1)} MB/s | >= 50 MB/s |`);
console.log(`| throughput, source code, all detectors | ${codeMBs.toFixed(1)} MB/s | >= 50 MB/s |`);
console.log(`| ${size2k} B prompt (3 messages), all detectors, p50 | ${lat.p50.toFixed(1)} µs | |`);
console.log(`| ${size2k} B prompt (3 messages), all detectors, p99 | ${lat.p99.toFixed(1)} µs | < 100 µs |`);
console.log(`| 100 KB adversarial input, tenant patterns \`(a+)+$\`, \`(a|aa)*b\` | ${evilMs.toFixed(2)} ms | linear time (${jsRegexNote}) |`);
console.log(`| 100 KB adversarial input, built-in detectors only | ${plainMs.toFixed(2)} ms | |`);
