// What the five detector rule kinds (pii, secrets, prompt_injection, encoding, exfiltration)
// share: their common config fields, the scanner they compile once, and how findings turn
// into block / redact / flag. Each kind's folder declares its schema and calls in here.
import { z } from 'zod';
import { compileScanner, createRedactionState, placeholderFor, redact, summarize } from '../detectors/index.js';
import type { DetectorName, Finding, RedactionState, Scanner, ScannerConfig } from '../detectors/index.js';
import { rewriteMessages } from '../engine/messages.js';
import type { CompileEnv, EvalContext, OutputCheck, RuleEvaluator } from '../engine/rule-kind.js';
import type { LlmRequest, Message, RuleResult } from '../engine/types.js';

export type DetectorAction = 'block' | 'redact' | 'flag';

const DEFAULT_THRESHOLD = 0.5;
const action = z.enum(['block', 'redact', 'flag']);

/** Fields every detector rule takes; kinds add their own (allowed_hosts, restore_in_response, ...). */
export function detectorFields(defaultAction: DetectorAction) {
  return {
    action: action.optional().describe(`what to do on a finding: block, redact or flag (default ${defaultAction})`),
    actions: z.record(z.string().min(1), action).optional().describe('per-entity action, e.g. { EMAIL: redact, US_SSN: block }; overrides action'),
    entities: z.array(z.string().min(1)).min(1).max(500).optional().describe('only these entity types (default: every non-opt-in entity)'),
    threshold: z.number().min(0).max(1).optional().describe('minimum score 0..1 of a finding (default 0.5)'),
    allow_values: z.array(z.string().min(1).max(1000)).max(10_000).optional().describe('exact values never reported'),
    apply_to: z
      .array(z.enum(['input', 'output']))
      .min(1)
      .optional()
      .describe('input (the request, default), output (the response) or both'),
  };
}

/** The common config once zod has validated it. */
export interface DetectorRuleConfig {
  action?: DetectorAction;
  actions?: Record<string, DetectorAction>;
  entities?: string[];
  threshold?: number;
  allow_values?: string[];
  apply_to?: ('input' | 'output')[];
  restore_in_response?: boolean;
  /** `prompt_injection` only: put a block or redaction to the LLM classifier first (see src/engine/confirm.ts). */
  confirm_with_classifier?: boolean;
}

/** What distinguishes one detector kind from another. */
export interface DetectorKindSpec {
  readonly detector: Exclude<DetectorName, 'custom'>;
  /** Block code from the error catalogue (`pii_detected`, ...). */
  readonly code: string;
  /** Lead of reasons: `PII detected: EMAIL x2`. */
  readonly label: string;
  readonly defaultAction: DetectorAction;
  /** Every entity type the detector can report. */
  readonly entities: readonly string[];
  /** Entities the default scanner leaves out (they need a scanner of their own). */
  readonly optIn?: ReadonlySet<string>;
}

/**
 * One scanner with every detector at its defaults, shared by all rules whose config only
 * narrows what they report. Its findings are cached per `ctx.texts()` array, so several
 * detector rules in one decide() read the request once instead of once each, and it
 * remembers recent texts' findings, so a conversation's history is scanned once, not on
 * every call that resends it.
 */
let sharedScanner: Scanner | undefined;
const sharedScans = new WeakMap<readonly string[], readonly Finding[]>();

function shared(): Scanner {
  sharedScanner ??= compileScanner({ pii: true, secrets: true, prompt_injection: true, encoding: true, exfiltration: true, cacheTexts: true });
  return sharedScanner;
}

function scanShared(scanner: Scanner, texts: readonly string[]): readonly Finding[] {
  if (scanner !== sharedScanner) return scanner.scan(texts);
  let found = sharedScans.get(texts);
  if (!found) {
    found = scanner.scan(texts);
    sharedScans.set(texts, found);
  }
  return found;
}

/**
 * Placeholder numbering shared by every redaction of one request (same value, same
 * placeholder, whichever rule or message), and the placeholders a rule with
 * `restore_in_response` allows putting back. Held per request object, in memory only.
 */
export interface RequestRedactions {
  readonly state: RedactionState;
  /** Placeholder -> original value. Sensitive: never log it. */
  readonly restore: Map<string, string>;
}

const byRequest = new WeakMap<LlmRequest, RequestRedactions>();

export function requestRedactions(request: LlmRequest): RequestRedactions {
  let entry = byRequest.get(request);
  if (!entry) {
    entry = { state: createRedactionState(), restore: new Map() };
    byRequest.set(request, entry);
  }
  return entry;
}

/** The request's redaction state if any rule redacted (or restores) anything; never creates one. */
export function existingRedactions(request: LlmRequest): RequestRedactions | undefined {
  return byRequest.get(request);
}

/**
 * Drops the request's redaction state, so that a second decide() of the same request object
 * (after the classifier answered) numbers and restores placeholders from scratch, without
 * the ones an overturned rule made.
 */
export function forgetRedactions(request: LlmRequest): void {
  byRequest.delete(request);
}

/** At most this many characters of flagged text go to the injection classifier, per request. */
export const CLASSIFIER_TEXT_LIMIT = 4096;
/** Characters kept on each side of a finding in the excerpt the classifier sees. */
const EXCERPT_CONTEXT = 400;
/** Excerpts of the texts that carried the hits of `confirm_with_classifier` rules, per request. Sensitive: never log them. */
const suspects = new WeakMap<LlmRequest, string[]>();

/** The excerpts the classifier is asked about (empty when no confirm rule fired), at most CLASSIFIER_TEXT_LIMIT characters. */
export function classifierTexts(request: LlmRequest): readonly string[] {
  return suspects.get(request) ?? [];
}

/** Keeps, per text, the stretch around its findings (merged when they are close), within the limit. */
function rememberSuspects(request: LlmRequest, texts: readonly string[], findings: readonly Finding[]): void {
  let list = suspects.get(request);
  if (!list) suspects.set(request, (list = []));
  let room = CLASSIFIER_TEXT_LIMIT - list.reduce((n, t) => n + t.length, 0);
  const byText = new Map<number, [number, number][]>();
  for (const f of [...findings].sort((a, b) => a.textIndex - b.textIndex || a.start - b.start)) {
    const text = texts[f.textIndex] as string;
    const span: [number, number] = [Math.max(0, f.start - EXCERPT_CONTEXT), Math.min(text.length, f.end + EXCERPT_CONTEXT)];
    const spans = byText.get(f.textIndex) ?? [];
    const last = spans[spans.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else spans.push(span);
    byText.set(f.textIndex, spans);
  }
  for (const [index, spans] of byText) {
    for (const [start, end] of spans) {
      if (room <= 0) return;
      const excerpt = (texts[index] as string).slice(start, Math.min(end, start + room));
      if (list.includes(excerpt)) continue;
      list.push(excerpt);
      room -= excerpt.length;
    }
  }
}

/**
 * Validates the common fields against the kind's entities and compiles the rule. `scanner`
 * is the kind's own scanner config when its settings change what is scanned (allowed hosts,
 * opt-in entities, ...); otherwise the shared scanner serves.
 */
export function compileDetectorRule(
  spec: DetectorKindSpec,
  config: DetectorRuleConfig,
  env: CompileEnv,
  own: { customized: boolean; scanner: ScannerConfig },
): RuleEvaluator {
  const known = new Map(spec.entities.map((e) => [e.toUpperCase(), e]));
  const hint = `; see docs/detectors.md for the ${spec.detector} entity types`;
  const entities = config.entities?.map((name, i) => {
    const entity = known.get(name.toUpperCase());
    if (!entity) env.issue(['entities', i], `unknown entity "${name}"${hint}`);
    return entity ?? name;
  });
  const entitySet = entities ? new Set(entities) : undefined;
  const actions = new Map<string, DetectorAction>();
  for (const [name, act] of Object.entries(config.actions ?? {})) {
    const entity = known.get(name.toUpperCase());
    if (!entity) env.issue(['actions', name], `unknown entity "${name}"${hint}`);
    else if (entitySet && !entitySet.has(entity)) env.issue(['actions', name], `"${name}" is not in entities`);
    else actions.set(entity, act);
  }
  const defaultAction = config.action ?? spec.defaultAction;
  const redacts = defaultAction === 'redact' || [...actions.values()].includes('redact');
  if (config.restore_in_response && !redacts) {
    env.issue(['restore_in_response'], 'restore_in_response needs action redact (or a redact in actions)');
  }
  const applyTo = new Set(config.apply_to ?? ['input']);
  const confirm = config.confirm_with_classifier === true;
  if (confirm && defaultAction === 'flag' && ![...actions.values()].some((a) => a !== 'flag')) {
    env.issue(['confirm_with_classifier'], 'confirm_with_classifier needs action block or redact (a flag lets the call through anyway)');
  }
  if (confirm && !applyTo.has('input')) env.issue(['confirm_with_classifier'], 'confirm_with_classifier applies to requests: add input to apply_to');
  const threshold = config.threshold ?? DEFAULT_THRESHOLD;
  const needsOwn =
    own.customized ||
    threshold < DEFAULT_THRESHOLD ||
    (config.allow_values?.length ?? 0) > 0 ||
    (entities?.some((e) => spec.optIn?.has(e)) ?? false);
  const scanner = needsOwn
    ? compileScanner({ ...own.scanner, ...(config.allow_values?.length ? { allowValues: config.allow_values } : {}) })
    : shared();

  const actionFor = (f: Finding): DetectorAction | undefined => {
    if (f.detector !== spec.detector || f.score < threshold) return undefined;
    if (entitySet && !entitySet.has(f.entity)) return undefined;
    return actions.get(f.entity) ?? defaultAction;
  };
  const restore = config.restore_in_response === true;

  const evaluate = (ctx: EvalContext): RuleResult => {
    if (!applyTo.has('input')) return { outcome: 'pass', reason: 'applies to responses only' };
    const texts = ctx.texts();
    const skipped = ctx.skippedParts ?? 0;
    const base: Record<string, unknown> = skipped ? { skipped_parts: skipped } : {};
    const mine: Finding[] = [];
    const blocking: Finding[] = [];
    const redacting: Finding[] = [];
    const flagged: Finding[] = [];
    for (const f of scanShared(scanner, texts)) {
      const act = actionFor(f);
      if (!act) continue;
      mine.push(f);
      (act === 'block' ? blocking : act === 'redact' ? redacting : flagged).push(f);
    }
    if (!mine.length) return skipped ? { outcome: 'pass', metadata: base } : { outcome: 'pass' };
    const metadata: Record<string, unknown> = { ...base, findings: countsOf(mine) };
    const found = `${spec.label}: ${summarize(mine)}`;
    let note = '';
    if (confirm && (blocking.length || redacting.length)) {
      // First decide: mark the hit for the host to confirm. Second: apply the classifier's verdict.
      const verdict = ctx.request.classifierVerdict;
      if (!verdict) {
        metadata.confirm_with_classifier = true;
        rememberSuspects(ctx.request, texts, mine);
      } else {
        metadata.classifier = verdict.verdict;
        const detail = verdict.detail ?? 'no answer';
        if (verdict.verdict === 'benign') return { outcome: 'pass', reason: `not confirmed by classifier: ${found}`, metadata };
        if (verdict.verdict === 'error' && verdict.onError === 'allow') {
          return { outcome: 'pass', reason: `classifier unavailable (${detail}), allowed by on_error allow: ${found}`, metadata };
        }
        note = verdict.verdict === 'injection' ? ' (confirmed by classifier)' : ` (classifier unavailable: ${detail}; heuristic decision kept)`;
      }
    }
    if (blocking.length) return { outcome: 'block', code: spec.code, reason: `${found}${note}`, metadata };
    if (!redacting.length) return { outcome: 'flag', reason: found, metadata };

    const { state, restore: restorable } = requestRedactions(ctx.request);
    const result = redact(texts, redacting, state);
    if (restore) {
      for (const f of redacting) {
        const value = (texts[f.textIndex] as string).slice(f.start, f.end);
        restorable.set(placeholderFor(state, f.entity, value), value);
      }
    }
    const messages = replaceTexts(ctx.messages, texts, result.texts);
    const redactions = [...result.counts].map(([entity, count]) => ({ entity, count }));
    const summary = redactions.map((r) => `${r.entity} x${r.count}`).join(', ');
    const reason = `${spec.label.replace(/ detected$/, '')} redacted: ${summary}${flagged.length ? `; flagged: ${summarize(flagged)}` : ''}${note}`;
    return { outcome: 'modify', reason, patch: { messages, redactions }, metadata };
  };

  const output: OutputCheck = { scanner, actionFor, code: spec.code, label: spec.label };
  return applyTo.has('output') ? Object.assign(evaluate, { output }) : evaluate;
}

function countsOf(findings: readonly Finding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[f.entity] = (out[f.entity] ?? 0) + 1;
  return out;
}

/**
 * Writes redacted texts back into the messages. `rewriteMessages` visits texts in the order
 * `messageTexts()` lists them, except that it also visits empty string contents, which
 * `messageTexts()` leaves out; empty texts are never redacted, so the non-empty ones are
 * paired by position. A text that is not the one expected at its position means the two
 * walks diverged: fail (the engine turns that into a block) rather than misplace a text.
 */
export function replaceTexts(messages: readonly Message[], before: readonly string[], after: readonly string[]): Message[] | undefined {
  const pairs: [string, string][] = [];
  before.forEach((text, i) => {
    if (text !== '') pairs.push([text, after[i] as string]);
  });
  let next = 0;
  const out = rewriteMessages(messages, (text) => {
    if (text === '') return text;
    const pair = pairs[next++];
    if (!pair || pair[0] !== text) throw new Error('redaction could not be mapped back to the messages');
    return pair[1];
  });
  return out;
}
