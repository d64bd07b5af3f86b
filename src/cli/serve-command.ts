import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type WardenConfig, loadConfig } from '../config/config.js';
import { defaultPolicy, DEFAULT_POLICY_NAME } from '../config/default-policy.js';
import { createRedisCounterStore } from '../counters/redis/redis-store.js';
import { compilePolicies, createPricing } from '../engine/engine.js';
import { DEFAULT_CLASSIFIER_TIMEOUT_MS, type InjectionClassifier, createInjectionClassifier } from '../engine/confirm.js';
import { PolicyValidationError } from '../engine/errors.js';
import { keyBudgetIssue } from '../rules/budget/hierarchy.js';
import { hashVirtualKey } from '../gateway/auth.js';
import { startGateway } from '../gateway/index.js';
import { storeProbe } from '../observability/health-checks.js';
import { type ServeObservability, serveObservability } from '../observability/serve-observability.js';
import { openControlPlane } from '../policies-live/control-plane.js';
import type { GatewayOptions, KeyRecord, UpstreamConfig } from '../gateway/types.js';
import { type CliIo, UsageError } from './io.js';

const DEV_KEY_FILE = 'dev-key.json';

/**
 * Without configured keys, a first run makes one development key so a new user can call
 * straight away. Only its hash is kept (in the data dir); the key is shown this once.
 */
function developmentKey(dataDir: string): { record: KeyRecord; shown?: string } {
  const file = join(dataDir, DEV_KEY_FILE);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { id: string; sha256: string; prefix: string };
    return { record: { id: saved.id, sha256: saved.sha256, org: 'default', environment: 'development' } };
  }
  const key = `wk_dev_${randomBytes(24).toString('base64url')}`;
  const record: KeyRecord = { id: 'dev', sha256: hashVirtualKey(key), org: 'default', environment: 'development' };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ id: record.id, sha256: record.sha256, prefix: key.slice(0, 10), created_at: new Date().toISOString() }, null, 2)}\n`, { mode: 0o600 });
  return { record, shown: key };
}

/** The official SDKs' variable names set the default upstreams; the config file can set them too. */
function upstreams(config: WardenConfig, env: NodeJS.ProcessEnv): { openai?: UpstreamConfig; anthropic?: UpstreamConfig } {
  const file = config.file.upstreams ?? {};
  const pick = (baseEnv: string, keyEnv: string, fromFile: { base_url?: string; api_key?: string } | undefined, defaultBase: string) => {
    const apiKey = env[keyEnv] ?? fromFile?.api_key;
    const baseUrl = env[baseEnv] ?? fromFile?.base_url;
    if (!apiKey && !baseUrl) return undefined;
    return { baseUrl: baseUrl ?? defaultBase, apiKey: apiKey ?? '' };
  };
  const openai = pick('OPENAI_BASE_URL', 'OPENAI_API_KEY', file.openai, 'https://api.openai.com/v1');
  const anthropic = pick('ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', file.anthropic, 'https://api.anthropic.com');
  return { ...(openai ? { openai } : {}), ...(anthropic ? { anthropic } : {}) };
}

/**
 * `classifier:` of warden.yaml, the LLM that confirms `confirm_with_classifier` hits. Its
 * base URL and key default to the provider's upstream (file or environment).
 */
function classifierOption(config: WardenConfig, ups: { openai?: UpstreamConfig; anthropic?: UpstreamConfig }): InjectionClassifier | undefined {
  const c = config.file.classifier;
  if (!c) return undefined;
  const upstream = ups[c.provider];
  const baseUrl = c.base_url ?? upstream?.baseUrl;
  if (!baseUrl) {
    throw new PolicyValidationError([{ path: 'classifier.base_url', message: `no base_url, and no ${c.provider} upstream is configured to default to` }], config.source);
  }
  const apiKey = c.api_key ?? (c.base_url === undefined ? upstream?.apiKey : undefined);
  return createInjectionClassifier({
    provider: c.provider,
    model: c.model,
    baseUrl,
    ...(apiKey ? { apiKey } : {}),
    ...(c.timeout_ms !== undefined ? { timeoutMs: c.timeout_ms } : {}),
    ...(c.on_error !== undefined ? { onError: c.on_error } : {}),
  });
}

/** Admin token, approvals, failover and rate limits from `warden.yaml` and the environment. */
function governanceOptions(config: WardenConfig, env: NodeJS.ProcessEnv): Partial<GatewayOptions> {
  const file = config.file;
  const out: Partial<GatewayOptions> = {};
  if (env.WARDEN_ADMIN_TOKEN) out.adminToken = env.WARDEN_ADMIN_TOKEN;
  if (file.approvals) {
    const a = file.approvals;
    out.approvals = {
      ...(a.timeout_ms !== undefined ? { timeoutMs: a.timeout_ms } : {}),
      ...(a.public_url !== undefined ? { publicUrl: a.public_url } : {}),
      webhooks: (a.webhooks ?? []).map((w) => ({ url: w.url, format: w.format, ...(w.secret !== undefined ? { secret: w.secret } : {}) })),
    };
  }
  if (file.rate_limit !== undefined) {
    out.rateLimit = file.rate_limit === false ? false : { requestsPerMinute: file.rate_limit.requests_per_minute ?? 100, ...(file.rate_limit.unauthenticated_per_minute !== undefined ? { unauthenticatedPerMinute: file.rate_limit.unauthenticated_per_minute } : {}) };
  }
  const named = Object.entries(file.upstreams ?? {}).filter(([name]) => name !== 'openai' && name !== 'anthropic');
  const retries = file.retries;
  const breaker = file.circuit_breaker;
  out.failover = {
    upstreams: Object.fromEntries(named.map(([name, u]) => [name, { format: (u as { format: 'openai' | 'anthropic' }).format, baseUrl: u.base_url as string, apiKey: u.api_key ?? '' }])),
    routing: Object.fromEntries(Object.entries(file.routing ?? {}).map(([model, list]) => [model, list.map((f) => ({ ...(f.provider !== undefined ? { upstream: f.provider } : {}), ...(f.model !== undefined ? { model: f.model } : {}) }))])),
    ...(retries
      ? { retry: { maxAttempts: retries.max_attempts, retriesPerUpstream: retries.retries_per_upstream, maxTotalMs: retries.max_total_ms, baseDelayMs: retries.base_delay_ms, maxDelayMs: retries.max_delay_ms } }
      : {}),
    ...(breaker === false
      ? { breaker: false as const }
      : breaker
        ? { breaker: { failureThreshold: breaker.failure_threshold, errorRateThreshold: breaker.error_rate_threshold, windowMs: breaker.window_ms, minRequests: breaker.min_requests, coolDownMs: breaker.cool_down_ms } }
        : {}),
  };
  return out;
}

export async function serveCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, host: { type: 'string' }, config: { type: 'string' } },
  });
  let config: WardenConfig;
  let policies: ReturnType<typeof compilePolicies>;
  let policyDocuments: readonly unknown[] = [];
  try {
    config = loadConfig(values.config);
    const pricing = config.file.pricing ?? {};
    const defaults = config.file.default_policy === false ? undefined : defaultPolicy(config.policyDocuments);
    policyDocuments = defaults ? [...config.policyDocuments, defaults] : config.policyDocuments;
    policies = compilePolicies(policyDocuments, {
      priceOverrides: pricing.overrides,
      unknownPrice: pricing.unknown_price,
      defaultMaxOutputTokens: pricing.default_max_output_tokens,
    }, config.source);
    // A key's own budget cannot exceed its team's (seed 004): refused at startup, with its path.
    const keyIssues = config.keys.flatMap((k, i) => {
      const message = keyBudgetIssue(policies.policies, k);
      return message ? [{ path: `keys[${i}].max_budget`, message }] : [];
    });
    if (keyIssues.length) throw new PolicyValidationError(keyIssues, config.source);
  } catch (err) {
    if (err instanceof PolicyValidationError) {
      io.err(`warden: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  const portText = values.port ?? env.PORT;
  const port = portText !== undefined ? Number(portText) : (config.file.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port/PORT must be a port number, got "${portText}"`);
  const host = values.host ?? config.file.host ?? '127.0.0.1';
  const dataDir = resolve(config.file.data_dir ?? '.warden');

  const keys = [...config.keys];
  let shownKey: string | undefined;
  if (!keys.length) {
    const dev = developmentKey(dataDir);
    keys.push(dev.record);
    shownKey = dev.shown;
  }
  const ups = upstreams(config, env);
  let classifier: InjectionClassifier | undefined;
  try {
    classifier = classifierOption(config, ups);
  } catch (err) {
    if (!(err instanceof PolicyValidationError)) throw err;
    io.err(`warden: ${err.message}\n`);
    return 1;
  }
  const limits = config.file.limits;
  let ops: ServeObservability;
  try {
    ops = serveObservability(env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // Shared across replicas with REDIS_URL; without it each process counts alone. Not awaited:
  // the gateway starts, and budget rules answer 503 (fail closed) until Redis is reachable.
  const counters = env.REDIS_URL ? createRedisCounterStore({ url: env.REDIS_URL }) : undefined;
  // The store (DATABASE_URL, else SQLite in the data dir): admin API, stored keys, live per-org policies, audit.
  const control = await openControlPlane({
    env,
    dataDir,
    baseDocuments: config.policyDocuments,
    defaultPolicy: config.file.default_policy !== false,
    engine: { pricing: createPricing(config.file.pricing?.overrides), unknownPrice: config.file.pricing?.unknown_price, defaultMaxOutputTokens: config.file.pricing?.default_max_output_tokens },
    ...(config.source !== undefined ? { source: config.source } : {}),
    configKeys: keys,
    webhooks: (config.file.approvals?.webhooks ?? []).map((w) => ({ url: w.url, format: w.format, ...(w.secret !== undefined ? { secret: w.secret } : {}) })),
    ...(config.file.approvals?.poll_ms !== undefined ? { approvalPollMs: config.file.approvals.poll_ms } : {}),
    logger: ops.logger,
  });
  const gateway = await startGateway({
    ...(counters ? { counters } : {}),
    pricing: createPricing(config.file.pricing?.overrides),
    port,
    host,
    keys,
    upstreams: ups,
    limits: { maxBodyBytes: limits?.max_body_bytes, upstreamTimeoutMs: limits?.upstream_timeout_ms },
    ...governanceOptions(config, env),
    ...control.gatewayOptions,
    logger: ops.logger,
    drainMs: ops.drainMs,
    health: [storeProbe(control.store)],
    ...(classifier ? { classifier } : {}),
  });

  const lines = [`Warden gateway listening on ${gateway.url}`];
  lines.push(`  counters: ${counters ? 'Redis (REDIS_URL): budgets and limits are shared by every replica' : 'in memory: budgets and limits count per process (set REDIS_URL to share them)'}`);
  lines.push(`  store: ${control.describe()}`);
  lines.push(`  admin API: ${gateway.url}/api/v1/ ${env.WARDEN_ADMIN_TOKEN ? '(WARDEN_ADMIN_TOKEN is the owner of org "default"; see docs/api.md)' : '(set WARDEN_ADMIN_TOKEN to create the first owner)'}`);
  lines.push(`  approvals: ${env.WARDEN_ADMIN_TOKEN ? `escalated calls wait for a human (${gateway.url}/api/v1/approvals; kept in the store, any instance on it may decide them)` : 'off: set WARDEN_ADMIN_TOKEN to hold escalated calls for approval (they answer 403 approval_required)'}`);
  const own = policies.policies.filter((p) => p.name !== DEFAULT_POLICY_NAME);
  const defaults = policies.policies.find((p) => p.name === DEFAULT_POLICY_NAME);
  lines.push(`  policies: ${own.length ? `${own.length} (${own.reduce((n, p) => n + p.rules.length, 0)} rules) from ${config.source}` : 'none of your own yet; see docs/policies.md (a warden.yaml with `policies:` adds them)'}`);
  const c = config.file.classifier;
  if (c) lines.push(`  injection classifier: ${c.provider} ${c.model}, asked about prompt_injection hits of rules with confirm_with_classifier (timeout ${c.timeout_ms ?? DEFAULT_CLASSIFIER_TIMEOUT_MS} ms, on_error ${c.on_error ?? 'keep'})`);
  if (defaults) lines.push(`  default policy: ${defaults.rules.map((r) => r.type).join(', ')} (rule types your policies do not set; default_policy: false turns it off)`);
  lines.push(`  upstreams: ${Object.entries(ups).map(([name, u]) => `${name} -> ${u.baseUrl}${u.apiKey ? '' : ' (no API key set)'}`).join(', ') || 'none: set OPENAI_API_KEY / ANTHROPIC_API_KEY (and *_BASE_URL) before calling'}`);
  if (shownKey) {
    lines.push('', 'Created a development key (shown once; only its hash is kept in .warden/):', `  ${shownKey}`);
  } else if (!config.keys.length) {
    lines.push('', `Using the development key created on the first run (delete ${join(dataDir, DEV_KEY_FILE)} for a new one).`);
  }
  lines.push(
    '',
    'First call, with the official OpenAI SDK:',
    `  const client = new OpenAI({ baseURL: '${gateway.url}/v1', apiKey: '${shownKey ?? '<your Warden key>'}' });`,
    `  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });`,
    '',
  );
  io.out(lines.join('\n'));

  const stop = (signal: string) => {
    io.out(`\n${signal}: closing\n`);
    gateway.close().then(
      async () => {
        await control.close();
        await counters?.close();
        await ops.shutdown();
        process.exitCode = 0;
        // Exit even if a client library still holds a handle; everything is flushed by now.
        setTimeout(() => process.exit(0), 1_000).unref();
      },
      async (err: unknown) => {
        io.err(`warden: close failed: ${(err as Error).message}\n`);
        await ops.shutdown();
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return -1;
}
