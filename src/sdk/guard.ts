import { newRequestId } from '../engine/request-id.js';
import type { Decision, LlmRequest, Tenant } from '../engine/types.js';
import { requestParsers } from '../providers/parse-request.js';
import type { BodyRequest } from '../providers/request-shape.js';
import { modifiedBody } from '../providers/rewrite-body.js';
import { NO_LABELS, currentLabels } from './labels.js';
import type { PolicyEngine } from './policy-engine.js';
import { PolicyViolationError } from './policy-violation-error.js';
import { needsConfirmation } from '../engine/confirm.js';
import { type ClassifierPass, ClassifierPending } from './classifier.js';

export interface GuardSettings {
  engine: PolicyEngine;
  tenant: Tenant;
  labels: Readonly<Record<string, string>>;
  sessionId?: string;
  missionId?: string;
  now: () => number;
  onDecision?: (decision: Decision, request: LlmRequest) => void;
  /** Set when the wrapper has an injection classifier (see classifier.ts). */
  classifier?: ClassifierPass;
}

export interface Guarded {
  /** The body to send: the caller's, or the rewritten one for a modify decision. */
  body: Record<string, unknown>;
  decision: Decision;
  request: LlmRequest;
  /** True when `onDecision` waits for the counter store's verdict (the call carries claims). */
  reportPending: boolean;
}

/**
 * Runs the policy engine on a request body before the provider is called. Throws
 * PolicyViolationError for block, throttle and escalate (the SDK has no one to hold the
 * call for); returns the body to send otherwise. Never touches the network.
 */
export function guard(route: string, body: Record<string, unknown>, callLabels: Readonly<Record<string, string>> | undefined, settings: GuardSettings): Guarded {
  const parse = requestParsers[route] as (body: unknown) => BodyRequest;
  // The parser's object is this call's own: it becomes the request without a copy.
  const request = parse(body) as LlmRequest;
  const ambient = currentLabels();
  // Most calls add no labels of their own: the client's (frozen) labels serve as they are.
  const labels = ambient === NO_LABELS && !callLabels ? settings.labels : { ...settings.labels, ...ambient, ...callLabels };
  request.requestId = newRequestId();
  request.labels = labels;
  if (settings.sessionId) request.sessionId = settings.sessionId;
  if (settings.missionId) request.missionId = settings.missionId;
  // Seed 003 reads the end user from labels (`user_id`).
  const tenant: Tenant = labels.user_id && !settings.tenant.user ? { ...settings.tenant, user: labels.user_id } : settings.tenant;
  // confirm_with_classifier (issue #5): a hit to confirm stops the first pass (wrap.ts asks the classifier); the second carries its verdict.
  if (settings.classifier?.verdict) request.classifierVerdict = settings.classifier.verdict;
  const decision = settings.engine.decide(request, tenant, settings.now());
  if (settings.classifier && !settings.classifier.verdict && needsConfirmation(decision)) throw new ClassifierPending(request);
  // An allowed call with claims may still be refused by its budgets: report the final decision then.
  const reportPending = decision.claims.length > 0 && (decision.action === 'allow' || decision.action === 'modify');
  if (!reportPending) settings.onDecision?.(decision, request);
  if (decision.action === 'block' || decision.action === 'throttle' || decision.action === 'escalate') {
    throw new PolicyViolationError(decision, request.model);
  }
  if (decision.action !== 'modify') return { body, decision, request, reportPending };
  const rewritten = modifiedBody(parse, body, request.messages, decision.modifications);
  if (!rewritten) {
    throw new PolicyViolationError({ ...decision, action: 'block', code: 'policy_violation', reason: 'a redaction rule matched, but this request shape cannot be redacted safely, so it was not sent' }, request.model);
  }
  return { body: rewritten, decision, request, reportPending };
}
