// Encoding detector: invisible characters that smuggle or disguise text (Unicode tags,
// zero-width, bidi controls, variation-selector runs), and encoded segments (base64, hex,
// percent-encoding) that the scanner decodes and scans again. ROT13 is handled by the
// injection phrases' ROT13 twins.
import type { HiddenRun } from '../text/normalize.js';
import type { Finding, Recognizer } from '../types.js';

const r = String.raw;
const DECODE_CONTEXT = ['decode', 'decoded', 'base64', 'b64', 'hex', 'encoded', 'encoding', 'execute', 'follow', 'instructions', 'run this', 'translate', 'percent'];

export const ENCODING_RECOGNIZERS: readonly Recognizer[] = [
  {
    id: 'base64-segment',
    detector: 'encoding',
    entity: 'BASE64_PAYLOAD',
    // The leading class makes V8 give up at once inside a run instead of rescanning it.
    pattern: r`(?:^|[^A-Za-z0-9+/])([A-Za-z0-9+/]{20,}={0,2})`,
    group: 1,
    score: 0.4,
    decode: 'base64',
    context: DECODE_CONTEXT,
  },
  {
    id: 'hex-segment',
    detector: 'encoding',
    entity: 'HEX_PAYLOAD',
    pattern: r`\b(?:0x)?(?:[0-9a-fA-F]{2}){12,}\b|\b(?:[0-9a-fA-F]{2}[ :]){11,}[0-9a-fA-F]{2}\b`,
    score: 0.4,
    decode: 'hex',
    context: DECODE_CONTEXT,
  },
  {
    id: 'url-encoded-segment',
    detector: 'encoding',
    entity: 'URL_ENCODED_PAYLOAD',
    pattern: r`(?:%[0-9a-fA-F]{2}[^\s%]{0,64}){3,}`,
    score: 0.4,
    decode: 'url',
    context: DECODE_CONTEXT,
  },
];

const HIDDEN: Record<HiddenRun['kind'], { entity: string; score: (count: number) => number }> = {
  unicode_tags: { entity: 'UNICODE_TAGS', score: () => 0.95 },
  bidi_control: { entity: 'BIDI_CONTROL', score: (n) => (n >= 2 ? 0.7 : 0.5) },
  // One zero-width joiner is ordinary in emoji sequences; runs and repeats are not.
  zero_width: { entity: 'ZERO_WIDTH', score: (n) => (n >= 3 ? 0.7 : 0.3) },
  // A single selector styles an emoji; long runs encode bytes.
  variation_selector: { entity: 'VARIATION_SELECTORS', score: (n) => (n >= 4 ? 0.8 : 0.1) },
};

export function hiddenFindings(runs: readonly HiddenRun[], textIndex: number): Finding[] {
  return runs.map((run) => {
    const kind = HIDDEN[run.kind];
    return {
      detector: 'encoding',
      entity: kind.entity,
      textIndex,
      start: run.start,
      end: run.end,
      score: kind.score(run.count),
      recognizer: `hidden:${run.kind}`,
    };
  });
}

export const ENCODING_ENTITIES: readonly string[] = [
  'UNICODE_TAGS', 'BIDI_CONTROL', 'ZERO_WIDTH', 'VARIATION_SELECTORS',
  'BASE64_PAYLOAD', 'HEX_PAYLOAD', 'URL_ENCODED_PAYLOAD', 'ROT13_PAYLOAD',
];
