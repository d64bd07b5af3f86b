// Contracts of the detector library. Nothing here imports the rest of Warden: the
// engine, the SDK and the benches all build on these shapes.

export const DETECTOR_NAMES = [
  'pii',
  'secrets',
  'prompt_injection',
  'encoding',
  'exfiltration',
  'custom',
] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** How a finding's text was reached when it was not plain text. */
export type Via = 'base64' | 'hex' | 'url' | 'rot13';

/**
 * One detection. Offsets point into the ORIGINAL text (before normalization), so a
 * caller can redact. There is deliberately no `value`: findings end up in logs and
 * audit records, which must never carry the detected secret or PII.
 */
export interface Finding {
  readonly detector: DetectorName;
  readonly entity: string;
  readonly textIndex: number;
  readonly start: number;
  readonly end: number;
  /** 0..1; findings under the detector's threshold are never returned. */
  readonly score: number;
  /** Set when the match was found inside decoded text; the span is the encoded segment. */
  readonly via?: Via;
  /** Id of the recognizer that produced it, for explain output and tests. */
  readonly recognizer: string;
}

/** What a validator sees about one regex match. */
export interface MatchInfo {
  /** The matched value (the capture group when the recognizer names one). */
  readonly value: string;
  /** The normalized text the match was found in. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/**
 * A recognizer is data: a pattern plus optional validation. `pattern` must compile both
 * as RE2 (it joins the one-pass `RE2.Set`) and as a JS RegExp (built-in patterns use
 * V8 to locate hits; they are ours and reviewed to be linear).
 */
export interface Recognizer {
  readonly id: string;
  readonly detector: DetectorName;
  readonly entity: string;
  readonly pattern: string;
  /**
   * A cheaper pattern for the one-pass set that matches wherever `pattern` does (RE2
   * caps counted repetition at 1000, so long bounded bodies use their header here).
   */
  readonly prefilter?: string;
  readonly caseInsensitive?: boolean;
  /** Capture group that holds the value (default: the whole match). */
  readonly group?: number;
  /** Base score before validation and context. */
  readonly score: number;
  /** Words near the match that raise confidence (Presidio's context enhancement). */
  readonly context?: readonly string[];
  /** Reject the match when no context word is near: for formats too generic alone. */
  readonly contextRequired?: boolean;
  /** Checksum or format validation: false rejects, a number replaces the base score. */
  readonly validate?: (m: MatchInfo) => boolean | number;
  /** Minimum Shannon entropy (bits per char) of the value. */
  readonly minEntropy?: number;
  /**
   * Every match contains this character at most `reach` characters after its start (the
   * `@` of an email): locating starts that far before the next one instead of walking the
   * whole text. Only a speed-up: the matches are the same.
   */
  readonly anchor?: { readonly char: string; readonly reach: number };
  /** On rejection, retry from the next word of the match ("Yesterday Maria Lopez"). */
  readonly retryNextWord?: boolean;
  /** Not active unless the entity is named in the config (URL, PERSON, ...). */
  readonly optIn?: boolean;
  /** Decoder recognizers find encoded segments; the scanner decodes and rescans them. */
  readonly decode?: Exclude<Via, 'rot13'>;
  /** Set on generated ROT13 twins of phrase recognizers. */
  readonly via?: Via;
}

export interface DetectorConfig {
  /** Restrict to these entity types (default: every non-opt-in entity of the detector). */
  readonly entities?: readonly string[];
  /** Minimum score to report (default 0.5). */
  readonly threshold?: number;
}

export interface ExfiltrationConfig extends DetectorConfig {
  /** Hosts (and their subdomains) that links and images may point at freely. */
  readonly allowedHosts?: readonly string[];
}

/** A tenant-supplied pattern: always compiled with RE2, so it cannot backtrack. */
export interface CustomPattern {
  readonly entity: string;
  readonly pattern: string;
  readonly caseInsensitive?: boolean;
  readonly score?: number;
}

export interface ScannerConfig {
  readonly pii?: boolean | DetectorConfig;
  readonly secrets?: boolean | DetectorConfig;
  readonly prompt_injection?: boolean | DetectorConfig;
  readonly encoding?: boolean | DetectorConfig;
  readonly exfiltration?: boolean | ExfiltrationConfig;
  readonly custom?: readonly CustomPattern[];
  /** Exact values never reported (test cards, a company's public phone number, ...). */
  readonly allowValues?: readonly string[];
  /**
   * Vendor documentation keys such as `AKIAIOSFODNN7EXAMPLE` and obvious placeholders are
   * skipped by default; set true to report them too.
   */
  readonly reportExampleSecrets?: boolean;
  /** Decoding of base64/hex/URL-encoded segments: nesting depth and bytes per text. */
  readonly decode?: { readonly maxDepth?: number; readonly maxBytes?: number };
  /**
   * Remember the findings of recently scanned texts (bounded: 4,096 texts, 4 M characters):
   * conversations resend their system prompt and history on every call, and a text is then
   * scanned once. Holds those texts in memory while they stay in the cache. Default false.
   */
  readonly cacheTexts?: boolean;
}

export interface Scanner {
  /** Scan every text of a request; offsets in the findings index into `texts`. */
  scan(texts: readonly string[]): Finding[];
  /** The entity types this scanner can report, per detector. */
  readonly entities: ReadonlyMap<DetectorName, readonly string[]>;
  /** Longest span a streaming caller should hold back (characters). */
  readonly suggestedHoldBack: number;
}
