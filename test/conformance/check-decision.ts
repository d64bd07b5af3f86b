// Driver-neutral checks of a conformance case's expectations. A driver (engine, SDK,
// gateway) hands over the decision record it observed and what it forwarded upstream;
// the checks return every mismatch as a sentence, so a failing case explains itself.
import { messageTexts } from '../../src/engine/context.js';
import type { Message } from '../../src/engine/types.js';
import { requestParsers } from '../../src/providers/parse-request.js';
import type { CaseExpectation, ClaimMatch, IssueMatch, OutcomeMatch, Route } from './load-cases.js';

export interface OutcomeLike {
  policy: string;
  rule: string;
  type?: string;
  outcome: string;
  shadow?: boolean;
  code?: string;
  reason?: string;
}

export interface ClaimLike {
  policy?: string;
  rule?: string;
  scope: string;
  metric: string;
  window: string;
  limit: number;
}

/** The fields of a decision record the cases assert on (the engine's Decision has them all). */
export interface DecisionLike {
  action: string;
  code?: string | null;
  policy: string | null;
  rule: string | null;
  reason: string;
  outcomes: readonly OutcomeLike[];
  modifications?: { redactions?: readonly { entity: string; count: number }[] };
  claims?: readonly ClaimLike[];
  user?: string | null;
  environment?: string | null;
}

/** What went upstream: the model and every readable text (message parts, tool-call arguments). */
export interface Forwarded {
  model: string | undefined;
  texts: readonly string[];
}

export interface IssueLike {
  path: string;
  message: string;
}

export function forwardedFromMessages(model: string | undefined, messages: readonly Message[]): Forwarded {
  return { model, texts: messageTexts(messages).texts };
}

/** For drivers that capture the upstream body (gateway, SDK): read it with the same parsers. */
export function forwardedFromBody(route: Route, body: unknown): Forwarded {
  const parse = requestParsers[route];
  if (!parse) throw new Error(`no request parser for route ${route}`);
  const request = parse(body);
  return forwardedFromMessages(request.model, request.messages);
}

const show = (v: unknown): string => JSON.stringify(v);

function matchesOutcome(o: OutcomeLike, m: OutcomeMatch): boolean {
  return (
    (m.policy === undefined || o.policy === m.policy) &&
    (m.rule === undefined || o.rule === m.rule) &&
    (m.type === undefined || o.type === m.type) &&
    (m.outcome === undefined || o.outcome === m.outcome) &&
    (m.shadow === undefined || (o.shadow ?? false) === m.shadow) &&
    (m.code === undefined || o.code === m.code) &&
    (m.reason_includes === undefined || m.reason_includes.every((s) => (o.reason ?? '').includes(s)))
  );
}

function matchesClaim(c: ClaimLike, m: ClaimMatch): boolean {
  return (
    (m.policy === undefined || c.policy === m.policy) &&
    (m.rule === undefined || c.rule === m.rule) &&
    (m.scope === undefined || c.scope === m.scope) &&
    (m.metric === undefined || c.metric === m.metric) &&
    (m.window === undefined || c.window === m.window) &&
    (m.limit === undefined || c.limit === m.limit)
  );
}

function briefOutcomes(outcomes: readonly OutcomeLike[]): string {
  return outcomes.map((o) => `${o.policy}/${o.rule}:${o.outcome}${o.shadow ? '(shadow)' : ''}`).join(', ') || '(none)';
}

/**
 * Every way `decision` (and `forwarded`, when the call went out) misses the expectation;
 * empty when the case passes. `forwarded` is undefined when nothing was sent upstream.
 */
export function checkDecision(expect: CaseExpectation, decision: DecisionLike, forwarded?: Forwarded): string[] {
  const out: string[] = [];
  const ctx = `(decision: ${decision.action} ${decision.policy ?? '-'}/${decision.rule ?? '-'} "${decision.reason}")`;
  if (expect.invalid_policy) out.push(`expected the policies to be refused at ${show(expect.invalid_policy)}, but they compiled ${ctx}`);
  if (expect.action !== undefined && decision.action !== expect.action) out.push(`action: expected ${expect.action}, got ${decision.action} ${ctx}`);
  if (expect.code !== undefined && decision.code !== expect.code) out.push(`code: expected ${expect.code}, got ${show(decision.code)} ${ctx}`);
  if (expect.policy !== undefined && decision.policy !== expect.policy) out.push(`policy: expected ${show(expect.policy)}, got ${show(decision.policy)} ${ctx}`);
  if (expect.rule !== undefined && decision.rule !== expect.rule) out.push(`rule: expected ${show(expect.rule)}, got ${show(decision.rule)} ${ctx}`);
  for (const s of expect.reason_includes ?? []) {
    if (!decision.reason.includes(s)) out.push(`reason: expected to include ${show(s)}, got ${show(decision.reason)}`);
  }
  for (const s of expect.reason_excludes ?? []) {
    if (decision.reason.includes(s)) out.push(`reason: must not include ${show(s)}, got ${show(decision.reason)}`);
  }
  if (expect.user !== undefined && (decision.user ?? null) !== expect.user) out.push(`user: expected ${show(expect.user)}, got ${show(decision.user)}`);
  if (expect.environment !== undefined && (decision.environment ?? null) !== expect.environment) {
    out.push(`environment: expected ${show(expect.environment)}, got ${show(decision.environment)}`);
  }

  if (expect.model !== undefined) {
    if (!forwarded) out.push(`model: expected ${expect.model} to be forwarded, but nothing was forwarded ${ctx}`);
    else if (forwarded.model !== expect.model) out.push(`model: expected ${expect.model} forwarded, got ${show(forwarded.model)}`);
  }
  const texts = forwarded?.texts ?? [];
  for (const s of expect.forwarded_text_includes ?? []) {
    if (!forwarded) out.push(`forwarded text: expected ${show(s)}, but nothing was forwarded ${ctx}`);
    else if (!texts.some((t) => t.includes(s))) out.push(`forwarded text: expected ${show(s)} in ${show(texts)}`);
  }
  for (const s of expect.forwarded_text_excludes ?? []) {
    if (texts.some((t) => t.includes(s))) out.push(`forwarded text: must not contain ${show(s)}, got ${show(texts)}`);
  }

  if (expect.redactions !== undefined) {
    const got = decision.modifications?.redactions ?? [];
    if (expect.redactions.length === 0 && got.length) out.push(`redactions: expected none, got ${show(got)}`);
    for (const r of expect.redactions) {
      if (!got.some((g) => g.entity === r.entity && g.count === r.count)) out.push(`redactions: expected ${show(r)} in ${show(got)}`);
    }
  }
  for (const m of expect.outcomes ?? []) {
    if (!decision.outcomes.some((o) => matchesOutcome(o, m))) out.push(`outcomes: expected one matching ${show(m)}, got ${briefOutcomes(decision.outcomes)}`);
  }
  for (const m of expect.outcomes_absent ?? []) {
    const hit = decision.outcomes.find((o) => matchesOutcome(o, m));
    if (hit) out.push(`outcomes: expected none matching ${show(m)}, got ${briefOutcomes([hit])}`);
  }
  for (const m of expect.claims ?? []) {
    if (!(decision.claims ?? []).some((c) => matchesClaim(c, m))) out.push(`claims: expected one matching ${show(m)}, got ${show(decision.claims ?? [])}`);
  }
  return out;
}

function matchesIssue(issue: IssueLike, m: IssueMatch): boolean {
  if (typeof m === 'string') return issue.path === m;
  return issue.path === m.path && (m.message_includes ?? []).every((s) => issue.message.includes(s));
}

/** Mismatches between an expected compile failure and the issues the policies were refused with. */
export function checkPolicyIssues(expect: CaseExpectation, issues: readonly IssueLike[]): string[] {
  if (!expect.invalid_policy) {
    return [`expected the policies to compile, but they were refused: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`];
  }
  const out: string[] = [];
  for (const m of expect.invalid_policy) {
    if (!issues.some((i) => matchesIssue(i, m))) out.push(`invalid_policy: expected an issue at ${show(m)}, got ${show(issues)}`);
  }
  return out;
}

/** Throws one error listing every mismatch (for test runners). */
export function assertNoMismatches(caseName: string, mismatches: readonly string[]): void {
  if (mismatches.length) throw new Error(`${caseName}:\n  - ${mismatches.join('\n  - ')}`);
}
