// Runs a conformance case against the engine directly: compile the case's policies,
// parse its wire-format body with the gateway's parsers, decide with the injected clock.
import { PolicyValidationError } from '../../src/engine/errors.js';
import { compilePolicies, type EngineOptions } from '../../src/engine/engine.js';
import type { Decision, LlmRequest, Tenant } from '../../src/engine/types.js';
import { requestParsers } from '../../src/providers/parse-request.js';
import { type Forwarded, type IssueLike, forwardedFromMessages } from './check-decision.js';
import type { CaseOptions, CaseTenant, ConformanceCase } from './load-cases.js';

export const CONFORMANCE_REQUEST_ID = 'req_conformance';

export type EngineRun =
  | { kind: 'decision'; decision: Decision; request: LlmRequest; forwarded: Forwarded | undefined }
  | { kind: 'invalid'; issues: readonly IssueLike[] };

export function engineOptions(options: CaseOptions | undefined): EngineOptions {
  const out: EngineOptions = {};
  if (options?.unknown_price) out.unknownPrice = options.unknown_price;
  if (options?.default_max_output_tokens) out.defaultMaxOutputTokens = options.default_max_output_tokens;
  if (options?.price_overrides) out.priceOverrides = options.price_overrides;
  return out;
}

export function toTenant(t: CaseTenant): Tenant {
  const tenant: Tenant = { org: t.org };
  if (t.team) tenant.team = t.team;
  if (t.user) tenant.user = t.user;
  if (t.key_id) tenant.keyId = t.key_id;
  if (t.key_prefix) tenant.keyPrefix = t.key_prefix;
  if (t.environment) tenant.environment = t.environment;
  if (t.role) tenant.role = t.role;
  return tenant;
}

/** Calls that go out: everything but a refusal (block, throttle) or a pending approval. */
export function isForwarded(action: Decision['action']): boolean {
  return action === 'allow' || action === 'modify';
}

export function runEngineCase(c: ConformanceCase): EngineRun {
  let set: ReturnType<typeof compilePolicies>;
  try {
    set = compilePolicies(c.policies, engineOptions(c.options), c.name);
  } catch (err) {
    if (err instanceof PolicyValidationError) return { kind: 'invalid', issues: err.issues };
    throw err;
  }
  if (!c.body || !c.tenant) throw new Error(`${c.name}: policies compiled, but the case has no body/tenant to decide on`);
  const parse = requestParsers[c.route];
  if (!parse) throw new Error(`${c.name}: no parser for route ${c.route}`);
  const request: LlmRequest = { ...parse(c.body), requestId: CONFORMANCE_REQUEST_ID, labels: c.labels ?? {} };
  if (c.session_id) request.sessionId = c.session_id;
  const decision = set.decide(request, toTenant(c.tenant), Date.parse(c.now));
  const forwarded = isForwarded(decision.action)
    ? forwardedFromMessages(decision.modifications.model?.to ?? request.model, decision.modifications.messages ?? request.messages)
    : undefined;
  return { kind: 'decision', decision, request, forwarded };
}
