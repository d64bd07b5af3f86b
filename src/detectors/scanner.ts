// The detector engine. `compileScanner` turns a config into an immutable scanner once:
// every active pattern joins one RE2.Set, so a text is read in a single linear pass;
// only the patterns that hit are run again to locate matches, and only those matches are
// validated (checksums, context, entropy) and scored.
import RE2 from 're2';
import { ENCODING_RECOGNIZERS, hiddenFindings } from './encoding/index.js';
import { exfiltrationRecognizers } from './exfiltration/index.js';
import { INJECTION_RECOGNIZERS } from './injection/index.js';
import { PII_RECOGNIZERS } from './pii/recognizers.js';
import { SECRET_RECOGNIZERS, isExampleSecret } from './secrets/index.js';
import { entropy } from './text/checksums.js';
import { decodeBase64, decodeHex, decodeUrl } from './text/decode.js';
import { normalize, originalSpan } from './text/normalize.js';
import { TextCache } from './text/text-cache.js';
import type { DetectorConfig, DetectorName, Finding, Recognizer, Scanner, ScannerConfig, Via } from './types.js';

const DEFAULT_THRESHOLD = 0.5;
const CONTEXT_BOOST = 0.35;
const CONTEXT_BEFORE = 60;
const CONTEXT_AFTER = 30;
/** Detectors whose findings are values to redact; their overlaps are resolved. */
const VALUE_DETECTORS: ReadonlySet<DetectorName> = new Set(['pii', 'secrets', 'custom']);

interface Compiled {
  readonly rec: Recognizer;
  /** Locates matches once the set says the pattern hit. RE2 for tenant patterns. */
  readonly locate: RegExp;
  readonly context: RegExp | null;
  readonly threshold: number;
  readonly order: number;
}

/** Decoding allowance shared by one text and everything decoded from it. */
interface Budget {
  bytes: number;
}

interface RawFinding {
  detector: DetectorName;
  entity: string;
  start: number;
  end: number;
  score: number;
  via?: Via;
  recognizer: string;
  order: number;
}

const DECODERS: Record<'base64' | 'hex' | 'url', (s: string) => string | null> = {
  base64: decodeBase64,
  hex: decodeHex,
  url: decodeUrl,
};

const PAYLOAD_ENTITY: Record<Via, string> = {
  base64: 'BASE64_PAYLOAD',
  hex: 'HEX_PAYLOAD',
  url: 'URL_ENCODED_PAYLOAD',
  rot13: 'ROT13_PAYLOAD',
};

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function contextRegex(words: readonly string[] | undefined): RegExp | null {
  if (!words || words.length === 0) return null;
  return new RegExp(`(?:^|[^a-z])(?:${words.map(escapeRegex).join('|')})`, 'i');
}

function detectorOptions(value: boolean | DetectorConfig | undefined): DetectorConfig | null {
  if (value === false) return null;
  if (value === undefined || value === true) return {};
  return value;
}

function selectRecognizers(all: readonly Recognizer[], opts: DetectorConfig | null): Recognizer[] {
  if (!opts) return [];
  if (opts.entities) {
    const wanted = new Set(opts.entities.map((e) => e.toUpperCase()));
    return all.filter((r) => wanted.has(r.entity));
  }
  return all.filter((r) => !r.optIn);
}

export function compileScanner(config: ScannerConfig = {}): Scanner {
  const piiOpts = detectorOptions(config.pii);
  const secretOpts = detectorOptions(config.secrets);
  const injectionOpts = detectorOptions(config.prompt_injection);
  const encodingOpts = detectorOptions(config.encoding);
  const exfilOpts = detectorOptions(config.exfiltration);
  const exfilConfig = typeof config.exfiltration === 'object' ? config.exfiltration : {};

  const thresholds = new Map<DetectorName, number>([
    ['pii', piiOpts?.threshold ?? DEFAULT_THRESHOLD],
    ['secrets', secretOpts?.threshold ?? DEFAULT_THRESHOLD],
    ['prompt_injection', injectionOpts?.threshold ?? DEFAULT_THRESHOLD],
    ['encoding', encodingOpts?.threshold ?? DEFAULT_THRESHOLD],
    ['exfiltration', exfilOpts?.threshold ?? DEFAULT_THRESHOLD],
    ['custom', DEFAULT_THRESHOLD],
  ]);

  const builtIn: Recognizer[] = [
    // Secrets first: on an exact tie of span and score, the more specific type wins.
    ...selectRecognizers(SECRET_RECOGNIZERS, secretOpts),
    ...selectRecognizers(PII_RECOGNIZERS, piiOpts),
    ...selectRecognizers(INJECTION_RECOGNIZERS, injectionOpts),
    ...selectRecognizers(exfiltrationRecognizers(exfilConfig.allowedHosts ?? []), exfilOpts),
    ...(encodingOpts ? ENCODING_RECOGNIZERS : []),
  ];
  const custom: Recognizer[] = (config.custom ?? []).map((c, i) => ({
    id: `custom:${i}`,
    detector: 'custom',
    entity: c.entity.toUpperCase(),
    pattern: c.pattern,
    caseInsensitive: c.caseInsensitive,
    score: c.score ?? 1,
  }));

  const compiled: Compiled[] = [...builtIn, ...custom].map((rec, order) => ({
    rec,
    locate:
      rec.detector === 'custom'
        ? new RE2(rec.pattern, rec.caseInsensitive ? 'gi' : 'g')
        : new RegExp(rec.pattern, rec.caseInsensitive ? 'gi' : 'g'),
    context: contextRegex(rec.context),
    threshold: thresholds.get(rec.detector) ?? DEFAULT_THRESHOLD,
    order,
  }));
  const set =
    compiled.length > 0
      ? new RE2.Set(
          compiled.map((c) => {
            const source = c.rec.prefilter ?? c.rec.pattern;
            return c.rec.caseInsensitive ? `(?i:${source})` : source;
          }),
        )
      : null;

  const allow = new Set(config.allowValues ?? []);
  const reportExamples = config.reportExampleSecrets === true;
  const maxDepth = config.decode?.maxDepth ?? 2;
  const maxBytes = config.decode?.maxBytes ?? 65_536;

  const entities = new Map<DetectorName, string[]>();
  for (const c of compiled) {
    if (c.rec.decode) continue;
    const list = entities.get(c.rec.detector) ?? [];
    if (!list.includes(c.rec.entity)) list.push(c.rec.entity);
    entities.set(c.rec.detector, list);
  }
  if (encodingOpts) {
    entities.set('encoding', ['UNICODE_TAGS', 'BIDI_CONTROL', 'ZERO_WIDTH', 'VARIATION_SELECTORS', ...Object.values(PAYLOAD_ENTITY)]);
  }

  /** Scan one (normalized or decoded) text; spans are in that text's coordinates. */
  function scanText(text: string, depth: number, budget: Budget): RawFinding[] {
    if (!set || text.length === 0) return [];
    const hits = set.match(text);
    if (hits.length === 0) return [];
    const out: RawFinding[] = [];
    for (const idx of hits) {
      const c = compiled[idx] as Compiled;
      const { rec, locate } = c;
      const { anchor } = rec;
      locate.lastIndex = 0;
      // With an anchor, each search starts just before the next anchor character: no match
      // can start earlier, and the text before it is not walked again.
      const next = (): RegExpExecArray | null => {
        if (anchor) {
          const at = text.indexOf(anchor.char, locate.lastIndex);
          if (at < 0) return null;
          locate.lastIndex = Math.max(locate.lastIndex, at - anchor.reach);
        }
        return locate.exec(text);
      };
      for (let m = next(); m !== null; m = next()) {
        if (m[0].length === 0) {
          locate.lastIndex++;
          continue;
        }
        const value = rec.group ? m[rec.group] : m[0];
        if (value === undefined || value.length === 0) continue;
        const start = rec.group ? m.index + m[0].indexOf(value) : m.index;
        const end = start + value.length;

        if (rec.decode) {
          // Percent-encoded words start before their first escape ("Ignore%20all..."):
          // widen to the whole token, which the pattern cannot do cheaply.
          let from = start;
          if (rec.decode === 'url') while (from > 0 && start - from < 64 && !/[\s"'(<]/.test(text[from - 1] as string)) from--;
          decodeAndRescan(c, text, text.slice(from, end), from, end, depth, budget, out);
          continue;
        }
        if (allow.has(value)) continue;
        let score = rec.score;
        if (rec.validate) {
          const verdict = rec.validate({ value, text, start, end });
          if (verdict === false) {
            const space = rec.retryNextWord ? m[0].search(/\s/) : -1;
            if (space > 0) locate.lastIndex = m.index + space + 1;
            continue;
          }
          if (typeof verdict === 'number') score = verdict;
        }
        if (rec.minEntropy !== undefined && entropy(value) < rec.minEntropy) continue;
        if (rec.detector === 'secrets' && !reportExamples && isExampleSecret(value)) continue;
        if (c.context) {
          const window = text.slice(Math.max(0, start - CONTEXT_BEFORE), start) + ' ' + text.slice(end, end + CONTEXT_AFTER);
          if (c.context.test(window)) score = Math.min(1, Math.round((score + CONTEXT_BOOST) * 100) / 100);
          else if (rec.contextRequired) continue;
        }
        // Injection phrases are aggregated per text before the threshold applies.
        if (rec.detector !== 'prompt_injection' && score < c.threshold) continue;
        out.push({ detector: rec.detector, entity: rec.entity, start, end, score, via: rec.via, recognizer: rec.id, order: c.order });
        if (rec.via === 'rot13') {
          out.push({ detector: 'encoding', entity: PAYLOAD_ENTITY.rot13, start, end, score: 0.9, via: 'rot13', recognizer: rec.id, order: c.order });
        }
      }
    }
    return out;
  }

  function decodeAndRescan(
    c: Compiled,
    src: string,
    value: string,
    start: number,
    end: number,
    depth: number,
    budget: Budget,
    out: RawFinding[],
  ): void {
    const via = c.rec.decode;
    if (!via || depth >= maxDepth || budget.bytes <= 0) return;
    const decoded = DECODERS[via](value.slice(0, budget.bytes * 2));
    if (!decoded) return;
    budget.bytes -= decoded.length;
    const inner = aggregateInjection(scanText(decoded, depth + 1, budget));
    let worst = 0;
    for (const f of inner) {
      if (f.detector === 'encoding') continue;
      worst = Math.max(worst, f.score);
      // The whole encoded segment stands for what was found inside it.
      out.push({ ...f, start, end, via: f.via ?? via });
    }
    // Readable decoded text is itself suspicious when the prompt talks about decoding it.
    let payload = c.rec.score;
    if (c.context) {
      const window = src.slice(Math.max(0, start - CONTEXT_BEFORE), start) + ' ' + src.slice(end, end + CONTEXT_AFTER);
      if (c.context.test(window)) payload += CONTEXT_BOOST;
    }
    const score = Math.max(worst, payload);
    if (score >= c.threshold) {
      out.push({ detector: 'encoding', entity: PAYLOAD_ENTITY[via], start, end, score, via, recognizer: c.rec.id, order: c.order });
    }
  }

  function aggregateInjection(found: RawFinding[]): RawFinding[] {
    if (found.length === 0) return found;
    const injection = found.filter((f) => f.detector === 'prompt_injection');
    if (injection.length === 0) return found;
    let miss = 1;
    const seen = new Set<string>();
    for (const f of injection) {
      const key = f.recognizer.replace(/:rot13$/, '');
      if (seen.has(key)) continue;
      seen.add(key);
      miss *= 1 - f.score;
    }
    const combined = Math.round((1 - miss) * 1000) / 1000;
    const threshold = thresholds.get('prompt_injection') ?? DEFAULT_THRESHOLD;
    return found
      .filter((f) => f.detector !== 'prompt_injection' || combined >= threshold)
      .map((f) => (f.detector === 'prompt_injection' ? { ...f, score: combined } : f));
  }

  /** Adds the findings of one text, as the text at `textIndex` of a request, to `findings`. */
  function scanOne(original: string, textIndex: number, findings: Finding[]): Finding[] {
    const norm = normalize(original);
    const raw = aggregateInjection(scanText(norm.text, 0, { bytes: maxBytes }));
    const resolved = resolveOverlaps(raw);
    for (const f of resolved) {
      const [start, end] = originalSpan(norm, f.start, f.end);
      const finding: Finding = { detector: f.detector, entity: f.entity, textIndex, start, end, score: f.score, recognizer: f.recognizer };
      findings.push(f.via ? { ...finding, via: f.via } : finding);
    }
    if (encodingOpts && norm.hidden.length > 0) {
      const threshold = thresholds.get('encoding') ?? DEFAULT_THRESHOLD;
      for (const h of hiddenFindings(norm.hidden, textIndex)) if (h.score >= threshold) findings.push(h);
    }
    return findings;
  }

  const cache = config.cacheTexts ? new TextCache<readonly Finding[]>() : undefined;

  function scan(texts: readonly string[]): Finding[] {
    const findings: Finding[] = [];
    for (let t = 0; t < texts.length; t++) {
      const original = texts[t] as string;
      if (!cache) {
        scanOne(original, t, findings);
        continue;
      }
      let found = cache.get(original);
      if (!found) {
        // Shared by every later scan of the same text: frozen, and handed out as copies.
        const fresh = scanOne(original, 0, []);
        for (const f of fresh) Object.freeze(f);
        found = Object.freeze(fresh);
        cache.set(original, found);
      }
      for (const f of found) findings.push({ ...f, textIndex: t });
    }
    return findings;
  }

  return { scan, entities, suggestedHoldBack: 512 };
}

/**
 * Keeps one finding per overlapping region among value detectors (highest score, then
 * longest, then catalogue order) so redaction never has to cut inside two placeholders.
 * Findings of other detectors (injection, exfiltration, encoding) are kept as reported.
 */
function resolveOverlaps(found: RawFinding[]): RawFinding[] {
  // Most texts have no finding at all: no filtering, no set, no copies for them.
  if (found.length === 0) return found;
  const values = found.filter((f) => VALUE_DETECTORS.has(f.detector));
  const others = dedupe(found.filter((f) => !VALUE_DETECTORS.has(f.detector)));
  if (values.length <= 1) return [...values, ...others];
  values.sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.order - b.order);
  const kept: RawFinding[] = [];
  for (const f of values) {
    if (kept.every((k) => f.end <= k.start || f.start >= k.end)) kept.push(f);
  }
  kept.sort((a, b) => a.start - b.start);
  return [...kept, ...others];
}

function dedupe(found: RawFinding[]): RawFinding[] {
  const seen = new Set<string>();
  return found.filter((f) => {
    const key = `${f.detector}:${f.recognizer}:${f.start}:${f.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
