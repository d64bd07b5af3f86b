// Streaming scan for responses. The last `holdBack` characters of what arrived are kept
// back and scanned again with the next chunk, so a secret split across chunks is still
// seen whole; text before that is final, redacted and emitted. A caller that wants to
// block simply stops on the first finding it will not tolerate.
import { createRedactionState, redact } from './redact.js';
import type { RedactionState } from './redact.js';
import type { Finding, Scanner } from './types.js';

export interface StreamFinding extends Finding {
  /** Index (0-based) of the pushed chunk whose arrival let this finding be emitted. */
  readonly chunk: number;
}

export interface StreamStep {
  /** Text safe to forward now (with redactions applied). */
  readonly emit: string;
  /** Findings in the emitted text; offsets are into the whole original stream. */
  readonly findings: readonly StreamFinding[];
}

export interface StreamScannerOptions {
  /** Characters held back between chunks; at least the longest secret you must catch. */
  readonly holdBack: number;
  /** Which findings to replace by placeholders (default: PII, secrets and custom). */
  readonly redact?: (f: Finding) => boolean;
  /** Share numbering with the request's redactions so placeholders stay consistent. */
  readonly state?: RedactionState;
}

export interface StreamScanner {
  push(chunk: string): StreamStep;
  end(): StreamStep;
  /** Placeholder -> value for everything redacted so far. */
  readonly state: RedactionState;
}

const defaultRedact = (f: Finding): boolean => f.detector === 'pii' || f.detector === 'secrets' || f.detector === 'custom';

export function createStreamScanner(scanner: Scanner, options: StreamScannerOptions): StreamScanner {
  const holdBack = Math.max(0, options.holdBack);
  const shouldRedact = options.redact ?? defaultRedact;
  const state = options.state ?? createRedactionState();
  let buffer = '';
  let base = 0;
  let chunk = -1;

  function flush(final: boolean): StreamStep {
    if (buffer.length === 0) return { emit: '', findings: [] };
    const found = scanner.scan([buffer]).sort((a, b) => a.start - b.start);
    let cut = final ? buffer.length : Math.max(0, buffer.length - holdBack);
    if (!final) {
      // Never emit half of a finding: move the cut back to the start of any span it crosses.
      for (const f of found) if (f.start < cut && f.end > cut) cut = f.start;
      // A span longer than four windows would stall the stream; let it go.
      if (cut === 0 && buffer.length > holdBack * 4) cut = buffer.length - holdBack;
      const code = buffer.charCodeAt(cut - 1);
      if (cut > 0 && code >= 0xd800 && code <= 0xdbff) cut--;
    }
    const emitted = found.filter((f) => f.end <= cut);
    const text = buffer.slice(0, cut);
    const { texts } = redact([text], emitted.filter(shouldRedact), state);
    const findings = emitted.map((f) => ({ ...f, start: f.start + base, end: f.end + base, chunk }));
    buffer = buffer.slice(cut);
    base += cut;
    return { emit: texts[0] as string, findings };
  }

  return {
    state,
    push(piece: string): StreamStep {
      chunk++;
      buffer += piece;
      return flush(false);
    },
    end(): StreamStep {
      return flush(true);
    },
  };
}
