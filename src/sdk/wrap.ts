import type { CounterStore } from '../counters/counter-store.js';
import { createMemoryCounterStore } from '../counters/memory/memory-store.js';
import { type EngineOptions, createPricing } from '../engine/engine.js';
import type { PolicyDocument } from '../engine/policy-document.js';
import type { Decision, LlmRequest, Tenant } from '../engine/types.js';
import { type EnforcementConfig, enforcementRules } from './enforcement-config.js';
import { type GuardSettings, type Guarded, guard } from './guard.js';
import { askClassifier } from '../engine/confirm.js';
import { classifierTexts } from '../rules/detector-rule.js';
import { ClassifierPending, type SdkClassifierOption, sdkClassifier } from './classifier.js';
import { type MeterSettings, deferredCall, meteredCall, refusedCall } from './metered-call.js';
import { PolicyEngine } from './policy-engine.js';

export interface WardenOptions {
  /** The policy: an engine (seed 003), or policy documents (the YAML/JSON shapes). */
  policy?: PolicyEngine | readonly PolicyDocument[];
  /** Seed 000's per-call rules (`token_ceiling`, `max_session_usd`, ...), snake_case or camelCase. */
  enforcementConfig?: EnforcementConfig;
  enforcement_config?: EnforcementConfig;
  sessionId?: string;
  missionId?: string;
  /** Labels on every call; ambient `withLabels` and per-call `wardenLabels` add to them. */
  labels?: Readonly<Record<string, string>>;
  /** Who is calling, for scoped policies; default org `default`. */
  tenant?: Partial<Tenant>;
  /** The environment this code runs in (`development`, `production`, ...). */
  environment?: string;
  /** Pricing overrides, unknown-price behaviour, ... when `policy` is given as documents. */
  engineOptions?: EngineOptions;
  /** Called with every decision, allowed or not, before the provider is called. */
  onDecision?: (decision: Decision, request: LlmRequest) => void;
  /**
   * Where budgets, limits, dedup and tool-call counts are kept; default a memory store per
   * wrapped client. Give the gateway's Redis store to share budgets with it and other processes.
   */
  counters?: CounterStore;
  /** How long a reservation holds if this process dies mid-call; default 15 min. */
  leaseMs?: number;
  /** Injected clock (ms since epoch). */
  now?: () => number;
  /**
   * Confirms the hits of `prompt_injection` rules with `confirm_with_classifier: true` before
   * they take effect: `{ model }` asks that model over the wrapped client's own base URL and
   * key (or give `provider`, `baseURL`, `apiKey`), or give your own `(texts, signal) =>
   * Promise<'injection' | 'benign'>`. `timeoutMs` (default 2000) and `onError` (`keep`, the
   * default, or `allow`). Without it such hits stand as the heuristics found them.
   */
  classifier?: SdkClassifierOption;
}

/** Per-call options the wrapper reads (and removes) from a create call's second argument. */
export interface WardenCallOptions {
  wardenLabels?: Readonly<Record<string, string>>;
}

function buildEngine(options: WardenOptions): PolicyEngine {
  const config = options.enforcementConfig ?? options.enforcement_config;
  const extra = config ? [{ policy_name: 'enforcement_config', rules: enforcementRules(config) }] : [];
  const policy = options.policy;
  if (policy instanceof PolicyEngine) return extra.length ? policy.with(extra) : policy;
  return new PolicyEngine({ ...options.engineOptions, policies: [...(policy ?? []), ...extra] as PolicyDocument[] });
}

function keyPrefix(client: object): string | undefined {
  const key = (client as { apiKey?: unknown }).apiKey;
  return typeof key === 'string' && key ? key.slice(0, 16) : undefined;
}

/** `path` of a create method → the request parser's route. */
export type Hooks = Readonly<Record<string, string>>;

/**
 * Wraps `client` so that the hooked `create` methods run the policy engine first. The
 * wrapper is a Proxy: everything else on the client is untouched, and the value returned
 * for an allowed call is the client's own (its `APIPromise`, streams included).
 */
export function wrapClient<T extends object>(client: T, hooks: Hooks, options: WardenOptions): T {
  const engine = buildEngine(options);
  const tenant: Tenant = {
    org: 'default',
    ...options.tenant,
    ...(options.environment ? { environment: options.environment } : {}),
  };
  // The client's own key is the credential in use (seed 001's prod-key check), unless the
  // caller said otherwise by giving `tenant.keyPrefix` (even as undefined).
  if (!(options.tenant && 'keyPrefix' in options.tenant)) {
    const prefix = keyPrefix(client);
    if (prefix) tenant.keyPrefix = prefix;
  }
  const classifier = options.classifier ? sdkClassifier(options.classifier, client, providerOf(hooks)) : undefined;
  const settings: GuardSettings = {
    engine,
    tenant,
    labels: Object.freeze({ ...options.labels }),
    sessionId: options.sessionId,
    missionId: options.missionId,
    now: options.now ?? Date.now,
    onDecision: options.onDecision,
    ...(classifier ? { classifier: {} } : {}),
  };
  const meter: MeterSettings = {
    counters: options.counters ?? createMemoryCounterStore(),
    pricing: engine.options.pricing ?? createPricing(engine.options.priceOverrides),
    now: settings.now,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
  };
  // What each property name means below each path (`chat` → `completions` → `create`),
  // worked out once: the proxies' get trap then builds no strings.
  const steps = new Map<string, Map<string, { child?: string; route?: string }>>();
  for (const [path, route] of Object.entries(hooks)) {
    const parts = path.split('.');
    for (let i = 0; i < parts.length; i++) {
      const at = parts.slice(0, i).join('.');
      const name = parts[i] as string;
      let table = steps.get(at);
      if (!table) steps.set(at, (table = new Map()));
      const step = table.get(name) ?? {};
      if (i === parts.length - 1) step.route = route;
      else step.child = parts.slice(0, i + 1).join('.');
      table.set(name, step);
    }
  }

  type Create = (body: unknown, options?: unknown) => unknown;

  /** Sends a guarded call: the client's own `create`, metered when the decision carries claims. */
  const proceed = (obj: object, create: Create, route: string, guarded: Guarded, sendOptions: unknown): unknown => {
    const { decision } = guarded;
    // Without budgets or limits the call is the client's own, unchanged (and synchronous).
    if (decision.claims.length === 0) return create.call(obj, guarded.body, sendOptions);
    let sendBody = guarded.body;
    const askUsage = (route === 'openai.chat' || route === 'openai.completions') && sendBody.stream === true && !usageRequested(sendBody);
    // A streamed call is billed from its usage chunk: ask for it, as the gateway does.
    if (askUsage) sendBody = { ...sendBody, stream_options: { ...(isObject(sendBody.stream_options) ? sendBody.stream_options : {}), include_usage: true } };
    const send = () => create.call(obj, sendBody, sendOptions);
    const { request, reportPending } = guarded;
    const report = reportPending && settings.onDecision ? (final: Decision) => settings.onDecision?.(final, request) : undefined;
    return meteredCall(decision, route.split('.')[0] as string, send, meter, { hideUsageChunk: askUsage, ...(report ? { report } : {}) });
  };

  /** The hooked `create` of `obj` at `route`: the policy check, then the client's own method. */
  const hooked = (obj: object, create: Create, route: string) => (body: Record<string, unknown>, callOptions?: Record<string, unknown> & WardenCallOptions) => {
    let sendOptions = callOptions;
    let callLabels: Readonly<Record<string, string>> | undefined;
    if (callOptions && 'wardenLabels' in callOptions) {
      const { wardenLabels, ...rest } = callOptions;
      callLabels = wardenLabels;
      sendOptions = rest;
    }
    let guarded: Guarded;
    try {
      guarded = guard(route, body, callLabels, settings);
    } catch (err) {
      // confirm_with_classifier: ask the classifier about the flagged texts, then guard again with its verdict.
      if (err instanceof ClassifierPending && classifier) {
        const verdict = askClassifier(classifier, classifierTexts(err.request));
        return deferredCall(verdict.then((answer) => proceed(obj, create, route, guard(route, body, callLabels, { ...settings, classifier: { verdict: answer } }), sendOptions)));
      }
      // A rejection shaped like the client's promise: its own helpers (parse, stream, ...) chain on it.
      return refusedCall(err);
    }
    return proceed(obj, create, route, guarded, sendOptions);
  };

  // One proxy per wrapped object and one hooked function per method, made on first access and
  // remembered in the proxy's own table next to the value they stand for:
  // `client.chat.completions.create(...)` allocates nothing and looks up no weak map on the
  // way to the check (each lookup is a cache miss when the call comes right after I/O).
  const proxies = new WeakMap<object, object>();
  const functions = new WeakMap<object, Map<Create, Create>>();
  const hookedFor = (obj: object, create: Create, route: string): Create => {
    let byCreate = functions.get(obj);
    if (!byCreate) functions.set(obj, (byCreate = new Map()));
    let fn = byCreate.get(create);
    if (!fn) byCreate.set(create, (fn = hooked(obj, create, route) as Create));
    return fn;
  };
  interface Slot {
    child: string | undefined;
    route: string | undefined;
    /** `_client`, a resource's link to its client: answered with the wrapped client. */
    client: boolean;
    /** The value last read at this name, and what the trap returned for it. */
    value: unknown;
    result: unknown;
  }
  // The clients' own helpers (`chat.completions.parse`, `.stream`, `.runTools`,
  // `responses.parse`, `.stream`, ...) call `this._client.<resource>.create`: a resource's
  // `_client`, read through the wrapper, is the wrapped client, so those calls are checked
  // too. The client's own methods run on the client itself (it keeps private state), and
  // `withOptions` returns a client wrapped like this one.
  const onClient = (obj: object, fn: (...args: unknown[]) => unknown, prop: string, bound: Map<unknown, unknown>): unknown => {
    let known = bound.get(fn);
    if (!known) {
      known =
        prop === 'withOptions'
          ? (...args: unknown[]) => {
              const made = fn.apply(obj, args);
              return made && typeof made === 'object' ? proxy(made, '') : made;
            }
          : fn.bind(obj);
      bound.set(fn, known);
    }
    return known;
  };
  const proxy = <O extends object>(target: O, path: string): O => {
    const known = proxies.get(target);
    if (known) return known as O;
    const slots = new Map<string, Slot>();
    for (const [name, step] of steps.get(path) ?? []) slots.set(name, { child: step.child, route: step.route, client: false, value: undefined, result: undefined });
    if (path !== '') slots.set('_client', { child: undefined, route: undefined, client: true, value: undefined, result: undefined });
    const root = path === '';
    const bound = new Map<unknown, unknown>();
    const made = new Proxy(target, {
      get(obj, prop) {
        // The target as receiver: a lazy getter on the client must bind to the client itself,
        // or every property the SDK's request pipeline reads would go through this trap.
        const value = Reflect.get(obj, prop, obj);
        const slot = typeof prop === 'string' ? slots.get(prop) : undefined;
        if (!slot) return root && typeof value === 'function' && isMethod(obj, prop) ? onClient(obj, value as (...args: unknown[]) => unknown, prop, bound) : value;
        if (slot.value === value && value !== undefined) return slot.result;
        let result: unknown = value;
        if (slot.route && typeof value === 'function') result = hookedFor(obj, value as Create, slot.route);
        else if (slot.child && value && typeof value === 'object') result = proxy(value, slot.child);
        else if (slot.client && value && typeof value === 'object') result = proxy(value, '');
        slot.value = value;
        slot.result = result;
        return result;
      },
    });
    proxies.set(target, made);
    return made;
  };
  return proxy(client, '');
}

/** A method of the client's class (bound to the client when read through the wrapper); not its constructor or an own function such as `fetch`. */
function isMethod(obj: object, prop: string | symbol): prop is string {
  return typeof prop === 'string' && prop !== 'constructor' && !Object.hasOwn(obj, prop);
}

/** The wire format of the wrapped client, from its hooks' routes (`openai.chat` → `openai`). */
function providerOf(hooks: Hooks): 'openai' | 'anthropic' {
  return Object.values(hooks).some((route) => route.startsWith('anthropic.')) ? 'anthropic' : 'openai';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function usageRequested(body: Record<string, unknown>): boolean {
  return isObject(body.stream_options) && body.stream_options.include_usage === true;
}
