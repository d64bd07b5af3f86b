// The output stage: the detector rules with `apply_to: [output]` judge the response, and
// the placeholders of input redactions with `restore_in_response` are put back. One stage
// per request; it keeps the placeholder map in memory for that request only.
import { redact, summarize } from '../detectors/index.js';
import type { Finding, Scanner } from '../detectors/index.js';
import type { OutputCheckEntry } from '../engine/policy-set.js';
import type { Decision, LlmRequest } from '../engine/types.js';
import { type RequestRedactions, existingRedactions, requestRedactions } from '../rules/detector-rule.js';
import { GatewayError } from './errors.js';
import type { Route } from './routes.js';
import { OUTPUT_WIRES, type OutputWire } from './output-wire.js';

export type OutputAction = 'block' | 'redact' | 'flag';

/** One thing the output stage found or changed, for the CompletionRecord. Never a value. */
export interface OutputTouch {
  /** SSE event index (from 0) of the upstream stream whose text released the finding; 0 for a JSON body. */
  chunk: number;
  policy: string;
  rule: string;
  action: OutputAction;
  /** In a monitor policy: recorded, not applied. */
  shadow: boolean;
  entity: string;
  count: number;
}

/** What the output stage did to one response (`CompletionRecord.output`). */
export interface OutputRecord {
  action: 'allow' | 'modify' | 'block';
  /** The rule that ended the response, and why (entity types and counts only). */
  block?: { policy: string; rule: string; code: string; reason: string };
  touched: OutputTouch[];
  /** Placeholders of the request's own redactions put back (`restore_in_response`). */
  restored: number;
}

/** A finding with the check that claimed it (carried through the stream scanner's copies). */
interface Claimed extends Finding {
  readonly claim: number;
  readonly act: OutputAction;
}

const PLACEHOLDER = /\[[A-Z0-9_]+_\d+\]/g;
/** A placeholder cut by a chunk boundary: `[EMA`, `[EMAIL_`, ... */
const PARTIAL_PLACEHOLDER = /\[[A-Z0-9_]{0,62}$/;

/**
 * The stage for one request, or `undefined` when nothing inspects or restores its response
 * (the common case: then the gateway relays the response untouched).
 */
export function createOutputStage(route: Route, request: LlmRequest, decision: Decision, checks: readonly OutputCheckEntry[]): OutputStage | undefined {
  const wire = OUTPUT_WIRES.get(route.id);
  if (!wire) return undefined;
  const redactions = existingRedactions(request);
  const restoring = redactions !== undefined && redactions.restore.size > 0 && decision.modifications.messages !== undefined;
  if (!checks.length && !restoring) return undefined;
  return new OutputStage(wire, checks, checks.length ? requestRedactions(request) : (redactions as RequestRedactions), restoring, request.requestId);
}

export class OutputStage {
  readonly record: OutputRecord = { action: 'allow', touched: [], restored: 0 };
  /** Every check's findings in one pass per distinct scanner; what no check claims is dropped. */
  readonly scanner: Scanner;
  readonly holdBack: number;

  constructor(
    readonly wire: OutputWire,
    private readonly checks: readonly OutputCheckEntry[],
    private readonly redactions: RequestRedactions,
    private readonly restoring: boolean,
    readonly requestId: string,
  ) {
    const scanners = [...new Set(checks.map((c) => c.check.scanner))];
    this.holdBack = Math.max(0, ...scanners.map((s) => s.suggestedHoldBack));
    this.scanner = {
      entities: new Map(),
      suggestedHoldBack: this.holdBack,
      scan: (texts) => {
        const out: Claimed[] = [];
        for (const scanner of scanners) {
          for (const f of scanner.scan(texts)) {
            for (let i = 0; i < checks.length; i++) {
              const entry = checks[i] as OutputCheckEntry;
              if (entry.check.scanner !== scanner) continue;
              const act = entry.check.actionFor(f);
              if (act) {
                out.push({ ...f, claim: i, act });
                break;
              }
            }
          }
        }
        return out;
      },
    };
  }

  get state() {
    return this.redactions.state;
  }

  /** True for a finding this stage replaces by a placeholder. */
  readonly redacts = (f: Finding): boolean => {
    const c = f as Claimed;
    return c.act === 'redact' && !(this.checks[c.claim] as OutputCheckEntry).shadow;
  };

  /** Puts the request's own placeholders back (before the output rules judge the text). */
  restore(text: string): string {
    if (!this.restoring || !text.includes('[')) return text;
    const { restore } = this.redactions;
    return text.replace(PLACEHOLDER, (p) => {
      const value = restore.get(p);
      if (value === undefined) return p;
      this.record.restored++;
      return value;
    });
  }

  /** Records findings released at `chunk`; returns the block to answer with, if one applies. */
  note(findings: readonly Finding[], chunk: number): GatewayError | undefined {
    if (!findings.length) return undefined;
    const groups = new Map<string, { claim: number; act: OutputAction; entity: string; count: number }>();
    let blocking: Claimed[] | undefined;
    for (const f of findings as readonly Claimed[]) {
      const key = `${f.claim}\u0000${f.entity}`;
      const group = groups.get(key);
      if (group) group.count++;
      else groups.set(key, { claim: f.claim, act: f.act, entity: f.entity, count: 1 });
      const entry = this.checks[f.claim] as OutputCheckEntry;
      if (f.act === 'block' && !entry.shadow && (!blocking || (blocking[0] as Claimed).claim === f.claim)) (blocking ??= []).push(f);
      if (f.act === 'redact' && !entry.shadow && this.record.action === 'allow') this.record.action = 'modify';
    }
    for (const g of groups.values()) {
      const entry = this.checks[g.claim] as OutputCheckEntry;
      this.record.touched.push({ chunk, policy: entry.policy, rule: entry.rule, action: g.act, shadow: entry.shadow, entity: g.entity, count: g.count });
    }
    if (!blocking) return undefined;
    const entry = this.checks[(blocking[0] as Claimed).claim] as OutputCheckEntry;
    const reason = `${entry.check.label} in the response: ${summarize(blocking)}`;
    this.record.action = 'block';
    this.record.block = { policy: entry.policy, rule: entry.rule, code: entry.check.code, reason };
    return new GatewayError(403, entry.check.code, `${reason} (policy ${entry.policy}, rule ${entry.rule})`);
  }

  /** The decision record an output block carries, like an input block's (never a value). */
  wardenRecord(): object | undefined {
    const block = this.record.block;
    if (!block) return undefined;
    return { decision: 'block', stage: 'output', policy: block.policy, rule: block.rule, reason: block.reason, code: block.code, request_id: this.requestId, findings: this.record.touched };
  }

  /** Restores, scans and redacts whole texts (a JSON response); `texts` are rewritten in place. */
  judge(texts: string[]): GatewayError | undefined {
    for (let i = 0; i < texts.length; i++) texts[i] = this.restore(texts[i] as string);
    if (!this.checks.length) return undefined;
    const findings = this.scanner.scan(texts);
    const block = this.note(findings, 0);
    if (block) return block;
    const redacted = redact(texts, findings.filter(this.redacts), this.redactions.state).texts;
    for (let i = 0; i < texts.length; i++) texts[i] = redacted[i] as string;
    return undefined;
  }
}

/**
 * Restores placeholders in a stream: a placeholder cut by a chunk boundary is held until
 * the next piece completes it.
 */
export class StreamRestorer {
  private carry = '';

  constructor(private readonly stage: OutputStage) {}

  push(piece: string): string {
    const text = this.carry + piece;
    const partial = PARTIAL_PLACEHOLDER.exec(text);
    const cut = partial ? partial.index : text.length;
    this.carry = text.slice(cut);
    return this.stage.restore(text.slice(0, cut));
  }

  end(): string {
    const rest = this.carry;
    this.carry = '';
    return this.stage.restore(rest);
  }
}
