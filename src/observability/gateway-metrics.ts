import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Decision } from '../engine/types.js';
import type { CompletionRecord } from '../gateway/types.js';
import { BoundedLabel } from './bounded-label.js';

/** Engine decisions take microseconds: buckets from 10 µs to 25 ms. */
const ENGINE_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025];
/** LLM calls take from milliseconds (a refusal) to minutes (a long stream). */
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30];

/** Outcomes worth a series; `pass` and `skip` happen on every call for every rule. */
const COUNTED_OUTCOMES = new Set(['flag', 'modify', 'escalate', 'throttle', 'block']);

export interface MetricsOptions {
  registry?: Registry;
  maxModelLabels?: number;
  maxTenantLabels?: number;
  processMetrics?: boolean;
  /** True when the model has a catalog price: such names are safe labels even for refused calls. */
  knownModel?: (provider: string, model: string) => boolean;
}

/** What the gateway measured around one request besides the CompletionRecord. */
export interface RequestTimings {
  durationSeconds: number;
  /** Streams only: request start to the first event written to the client. */
  timeToFirstTokenSeconds?: number;
  /** The RateLimit-* values sent to the client. */
  responseHeaders: Record<string, string>;
}

/**
 * The gateway's Prometheus metrics, in a registry of its own so several gateways (tests)
 * never share series. Labels are names from config (routes, policies, rules, tenants),
 * never request ids or text from a request.
 */
export class GatewayMetrics {
  readonly registry: Registry;
  private readonly models: BoundedLabel;
  private readonly tenants: BoundedLabel;
  private readonly entities: BoundedLabel;
  private readonly knownModel: (provider: string, model: string) => boolean;

  private readonly requests: Counter<'route' | 'provider' | 'model' | 'action' | 'status'>;
  private readonly decisions: Counter<'route' | 'provider' | 'model' | 'action' | 'policy' | 'rule' | 'rule_type' | 'code'>;
  private readonly ruleOutcomes: Counter<'policy' | 'rule' | 'rule_type' | 'stage' | 'outcome'>;
  private readonly detections: Counter<'detector' | 'entity' | 'outcome'>;
  private readonly outputDetections: Counter<'policy' | 'rule' | 'entity' | 'action'>;
  private readonly engineDuration: Histogram<'action'>;
  private readonly stageDuration: Histogram<'stage'>;
  private readonly upstreamDuration: Histogram<'provider' | 'route' | 'status'>;
  private readonly requestDuration: Histogram<'route' | 'provider' | 'stream' | 'status'>;
  private readonly ttft: Histogram<'route' | 'provider' | 'model'>;
  private readonly tokens: Counter<'org' | 'team' | 'key' | 'model' | 'kind'>;
  private readonly spend: Counter<'org' | 'team' | 'key' | 'model'>;
  private readonly rateLimitRemaining: Gauge<'key'>;
  private readonly rateLimitLimit: Gauge<'key'>;
  private readonly inFlight: Gauge;

  constructor(options: MetricsOptions = {}) {
    const registers = [(this.registry = options.registry ?? new Registry())];
    this.models = new BoundedLabel(options.maxModelLabels ?? 50);
    this.tenants = new BoundedLabel(options.maxTenantLabels ?? 1_000);
    this.entities = new BoundedLabel(200);
    this.knownModel = options.knownModel ?? (() => false);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });

    this.requests = new Counter({ name: 'warden_requests_total', help: 'Requests answered, by route, provider, model, decision action and HTTP status.', labelNames: ['route', 'provider', 'model', 'action', 'status'], registers });
    this.decisions = new Counter({ name: 'warden_decisions_total', help: 'Engine decisions, by the deciding policy and rule (none for a plain allow).', labelNames: ['route', 'provider', 'model', 'action', 'policy', 'rule', 'rule_type', 'code'], registers });
    this.ruleOutcomes = new Counter({ name: 'warden_rule_outcomes_total', help: 'Rules that flagged, modified, escalated, throttled or blocked (shadow outcomes of monitor policies included).', labelNames: ['policy', 'rule', 'rule_type', 'stage', 'outcome'], registers });
    this.detections = new Counter({ name: 'warden_detections_total', help: 'Detector findings on requests, by detector (rule type) and entity type, and what the rule did.', labelNames: ['detector', 'entity', 'outcome'], registers });
    this.outputDetections = new Counter({ name: 'warden_output_detections_total', help: 'Detector findings in responses (output stage), by rule and entity type, and what the rule did (shadow findings as `flag`).', labelNames: ['policy', 'rule', 'entity', 'action'], registers });
    this.engineDuration = new Histogram({ name: 'warden_engine_decision_duration_seconds', help: 'Time decide() took.', labelNames: ['action'], buckets: ENGINE_BUCKETS, registers });
    this.stageDuration = new Histogram({ name: 'warden_engine_stage_duration_seconds', help: 'Time each engine stage took within one decision.', labelNames: ['stage'], buckets: ENGINE_BUCKETS, registers });
    this.upstreamDuration = new Histogram({ name: 'warden_upstream_duration_seconds', help: 'One upstream call, from sending to the end of the relayed body (retries count separately).', labelNames: ['provider', 'route', 'status'], buckets: REQUEST_BUCKETS, registers });
    this.requestDuration = new Histogram({ name: 'warden_request_duration_seconds', help: 'Whole requests, from arrival to the end of the response.', labelNames: ['route', 'provider', 'stream', 'status'], buckets: REQUEST_BUCKETS, registers });
    this.ttft = new Histogram({ name: 'warden_time_to_first_token_seconds', help: 'Streams: from arrival to the first event relayed to the client.', labelNames: ['route', 'provider', 'model'], buckets: TTFT_BUCKETS, registers });
    this.tokens = new Counter({ name: 'warden_tokens_total', help: 'Tokens as the provider reported them.', labelNames: ['org', 'team', 'key', 'model', 'kind'], registers });
    this.spend = new Counter({ name: 'warden_spend_usd_total', help: 'Actual cost in USD from the reported usage and the price catalog.', labelNames: ['org', 'team', 'key', 'model'], registers });
    this.rateLimitRemaining = new Gauge({ name: 'warden_rate_limit_remaining', help: 'Requests left in the key\'s current rate-limit window (RateLimit-Remaining), as of its last request.', labelNames: ['key'], registers });
    this.rateLimitLimit = new Gauge({ name: 'warden_rate_limit_limit', help: 'The key\'s requests per window (RateLimit-Limit).', labelNames: ['key'], registers });
    this.inFlight = new Gauge({ name: 'warden_requests_in_flight', help: 'Requests being handled now.', registers });
  }

  requestStarted(): void {
    this.inFlight.inc();
  }

  /** One upstream call ended (`status` 0 when the upstream was not reached). */
  upstreamCall(provider: string, route: string, status: number, seconds: number): void {
    this.upstreamDuration.observe({ provider, route, status: status ? String(status) : 'error' }, seconds);
  }

  requestEnded(record: CompletionRecord, timings: RequestTimings): void {
    this.inFlight.dec();
    const provider = providerOf(record);
    const route = record.route;
    const { decision } = record;
    const admitted = record.model !== undefined && ((record.upstreamStatus !== undefined && record.upstreamStatus < 300) || this.knownModel(provider, record.model));
    const model = this.models.value(record.model, admitted);
    const action = decision?.action ?? 'none';
    const status = String(record.status || 0);
    this.requests.inc({ route, provider, model, action, status });
    this.requestDuration.observe({ route, provider, stream: String(record.stream), status }, timings.durationSeconds);
    if (timings.timeToFirstTokenSeconds !== undefined) this.ttft.observe({ route, provider, model }, timings.timeToFirstTokenSeconds);
    if (decision) this.decided(decision, route, provider, model);
    for (const touch of record.output?.touched ?? []) {
      this.outputDetections.inc({ policy: touch.policy, rule: touch.rule, entity: this.entities.value(touch.entity), action: touch.shadow ? 'flag' : touch.action }, touch.count);
    }

    const tenant = record.tenant;
    if (tenant) {
      const labels = { org: this.tenants.value(tenant.org), team: this.tenants.value(tenant.team), key: this.tenants.value(tenant.keyId), model };
      const usage = record.usage;
      if (usage) {
        if (usage.inputTokens) this.tokens.inc({ ...labels, kind: 'input' }, usage.inputTokens);
        if (usage.outputTokens) this.tokens.inc({ ...labels, kind: 'output' }, usage.outputTokens);
        if (usage.cachedInputTokens) this.tokens.inc({ ...labels, kind: 'cached_input' }, usage.cachedInputTokens);
      }
      if (record.costUsd) this.spend.inc(labels, record.costUsd);
      const remaining = Number(timings.responseHeaders['ratelimit-remaining']);
      const limit = Number(timings.responseHeaders['ratelimit-limit']);
      if (tenant.keyId && Number.isFinite(remaining) && Number.isFinite(limit) && timings.responseHeaders['ratelimit-limit'] !== undefined) {
        this.rateLimitRemaining.set({ key: labels.key }, remaining);
        this.rateLimitLimit.set({ key: labels.key }, limit);
      }
    }
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private decided(decision: Decision, route: string, provider: string, model: string): void {
    const deciding = decision.rule ? decision.outcomes.find((o) => o.policy === decision.policy && o.rule === decision.rule) : undefined;
    this.decisions.inc({ route, provider, model, action: decision.action, policy: decision.policy ?? 'none', rule: decision.rule ?? 'none', rule_type: deciding?.type ?? 'none', code: decision.code ?? 'none' });
    this.engineDuration.observe({ action: decision.action }, decision.durationUs / 1e6);
    const stages = new Map<string, number>();
    for (const outcome of decision.outcomes) {
      stages.set(outcome.stage, (stages.get(outcome.stage) ?? 0) + outcome.durationUs);
      if (!COUNTED_OUTCOMES.has(outcome.outcome)) continue;
      this.ruleOutcomes.inc({ policy: outcome.policy, rule: outcome.rule, rule_type: outcome.type, stage: outcome.stage, outcome: outcome.outcome });
      const findings = outcome.metadata?.findings;
      if (findings && typeof findings === 'object') {
        for (const [entity, count] of Object.entries(findings as Record<string, unknown>)) {
          if (typeof count === 'number' && count > 0) this.detections.inc({ detector: outcome.type, entity: this.entities.value(entity), outcome: outcome.outcome }, count);
        }
      } else if (outcome.stage === 'content') {
        // Pattern rules report no findings; the redactions (if any) name what they matched.
        const redacted = outcome.outcome === 'modify' ? decision.modifications.redactions : [];
        if (redacted.length) for (const r of redacted) this.detections.inc({ detector: outcome.type, entity: this.entities.value(r.entity), outcome: outcome.outcome }, r.count);
        else this.detections.inc({ detector: outcome.type, entity: 'unspecified', outcome: outcome.outcome });
      }
    }
    for (const [stage, us] of stages) this.stageDuration.observe({ stage }, us / 1e6);
  }
}

/** The upstream that answered, else the route's provider family (`openai.chat` → `openai`). */
export function providerOf(record: CompletionRecord): string {
  if (record.upstream) return record.upstream;
  const dot = record.route.indexOf('.');
  return dot > 0 ? record.route.slice(0, dot) : 'none';
}
