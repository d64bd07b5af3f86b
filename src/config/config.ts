import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { zodIssues } from '../engine/compile.js';
import { formatPath, PolicyValidationError } from '../engine/errors.js';
import { parsePolicyText } from '../engine/policy-document.js';
import { hashVirtualKey } from '../gateway/auth.js';
import type { KeyRecord } from '../gateway/types.js';
import { parseBudgetDuration } from '../budgets/key-claims.js';

function validDuration(text: string): boolean {
  try {
    parseBudgetDuration(text);
    return true;
  } catch {
    return false;
  }
}

const keySchema = z
  .object({
    id: z.string().min(1).max(100),
    key: z.string().min(16).max(200).optional().describe('the key in plain text (hashed on load, never kept)'),
    key_sha256: z.string().regex(/^[0-9a-f]{64}$/).optional().describe('hex SHA-256 of the key'),
    org: z.string().min(1).default('default'),
    team: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    environment: z.string().min(1).optional(),
    role: z.string().min(1).optional(),
    rpm_limit: z.number().int().positive().optional().describe('requests per minute for this key'),
    tpm_limit: z.number().int().positive().optional().describe('tokens (input + output) per sliding minute for this key'),
    max_budget: z.number().positive().finite().optional().describe('USD this key may spend per budget_duration'),
    budget_duration: z
      .string()
      .refine((d) => validDuration(d), { message: 'expected 1d, 1mo, or a number of days, hours or minutes such as 30d, 12h, 90m' })
      .optional()
      .describe('window of max_budget: 1d (UTC day), 1mo (calendar month, default), 30d, 12h (sliding)'),
  })
  .strict()
  .refine((k) => (k.key === undefined) !== (k.key_sha256 === undefined), { message: 'give exactly one of key or key_sha256', path: ['key'] });

const upstreamSchema = z
  .object({
    base_url: z.url().optional(),
    api_key: z.string().min(1).optional(),
  })
  .strict();

const namedUpstreamSchema = z
  .object({
    format: z.enum(['openai', 'anthropic']).describe('the wire format this upstream speaks'),
    base_url: z.url(),
    api_key: z.string().min(1).optional(),
  })
  .strict();

const fallbackSchema = z
  .object({
    provider: z.string().min(1).optional().describe('an upstream name: openai, anthropic or a named upstream; the route\'s own when absent'),
    model: z.string().min(1).optional(),
  })
  .strict()
  .refine((f) => f.provider !== undefined || f.model !== undefined, { message: 'give provider, model or both' });

const webhookSchema = z
  .object({
    url: z.url(),
    format: z.enum(['slack', 'json']),
    secret: z.string().min(16).optional().describe('HMAC-SHA256 key for json webhooks (x-warden-signature)'),
  })
  .strict();

export const configSchema = z
  .object({
    port: z.number().int().min(0).max(65535).optional(),
    host: z.string().min(1).optional(),
    data_dir: z.string().min(1).optional().describe('where embedded state lives; default ./.warden'),
    default_policy: z.boolean().optional().describe('apply the default policy for rule types no policy configures (default true)'),
    policies: z.array(z.union([z.string().min(1), z.record(z.string(), z.unknown())])).optional().describe('policy files (paths) or inline documents'),
    keys: z.array(keySchema).optional(),
    upstreams: z.object({ openai: upstreamSchema.optional(), anthropic: upstreamSchema.optional() }).catchall(namedUpstreamSchema).optional(),
    routing: z.record(z.string().min(1), z.array(fallbackSchema).min(1)).optional().describe('ordered fallbacks per model'),
    retries: z
      .object({
        max_attempts: z.number().int().min(1).max(10).optional(),
        retries_per_upstream: z.number().int().min(0).max(5).optional(),
        max_total_ms: z.number().int().positive().optional(),
        base_delay_ms: z.number().int().min(0).optional(),
        max_delay_ms: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    circuit_breaker: z
      .union([
        z.literal(false),
        z
          .object({
            failure_threshold: z.number().int().positive().optional(),
            error_rate_threshold: z.number().gt(0).max(1).optional(),
            window_ms: z.number().int().positive().optional(),
            min_requests: z.number().int().positive().optional(),
            cool_down_ms: z.number().int().positive().optional(),
          })
          .strict(),
      ])
      .optional(),
    rate_limit: z
      .union([
        z.literal(false),
        z.object({ requests_per_minute: z.number().int().positive().optional(), unauthenticated_per_minute: z.number().int().positive().optional() }).strict(),
      ])
      .optional(),
    approvals: z
      .object({
        timeout_ms: z.number().int().positive().optional().describe('how long an escalated request waits; default 900000 (15 min)'),
        public_url: z.url().optional().describe('the URL approvers reach the admin API at, for the curl hints'),
        poll_ms: z.number().int().min(0).optional().describe('how often a gateway re-reads the approvals it holds for decisions made through another instance; default 1000, 0 = Postgres notifications only'),
        webhooks: z.array(webhookSchema).optional(),
      })
      .strict()
      .optional(),
    pricing: z
      .object({
        overrides: z.record(z.string(), z.object({ input_per_mtok: z.number(), output_per_mtok: z.number(), cached_input_per_mtok: z.number().optional() }).strict()).optional(),
        unknown_price: z.enum(['block', 'allow']).optional(),
        default_max_output_tokens: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    classifier: z
      .object({
        provider: z.enum(['openai', 'anthropic']).describe('the wire format to ask the model in'),
        model: z.string().min(1).describe('the classifying model, e.g. gpt-4o-mini'),
        base_url: z.url().optional().describe("default: the provider's configured upstream"),
        api_key: z.string().min(1).optional().describe("default: the provider's configured upstream key"),
        timeout_ms: z.number().int().positive().max(60_000).optional().describe('longest wait for the answer; default 2000'),
        on_error: z.enum(['keep', 'allow']).optional().describe('on a timeout, an error or an answer other than INJECTION/BENIGN: keep the heuristic decision (default) or allow'),
      })
      .strict()
      .optional()
      .describe('the LLM that confirms prompt_injection hits of rules with confirm_with_classifier: true'),
    limits: z
      .object({
        max_body_bytes: z.number().int().positive().optional(),
        upstream_timeout_ms: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type WardenConfigFile = z.infer<typeof configSchema>;

export interface WardenConfig {
  source: string | undefined;
  file: WardenConfigFile;
  /** Policy documents from files and inline entries, in order. */
  policyDocuments: unknown[];
  keys: KeyRecord[];
}

/**
 * Reads `warden.yaml` (or the given path). A missing default file is an empty config;
 * anything invalid is refused with every issue and its path.
 */
export function loadConfig(path: string | undefined, cwd = process.cwd()): WardenConfig {
  const file = path ? resolve(cwd, path) : resolve(cwd, 'warden.yaml');
  if (!existsSync(file)) {
    if (path) throw new PolicyValidationError([{ path: '', message: 'no such config file' }], file);
    return { source: undefined, file: {}, policyDocuments: [], keys: [] };
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'), { uniqueKeys: true }) ?? {};
  } catch (err) {
    throw new PolicyValidationError([{ path: '', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }], file);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new PolicyValidationError(zodIssues(parsed.error, (rel) => formatPath(rel)), file);
  const config = parsed.data;
  const upstreamNames = new Set(['openai', 'anthropic', ...Object.keys(config.upstreams ?? {})]);
  for (const [model, fallbacks] of Object.entries(config.routing ?? {})) {
    fallbacks.forEach((f, i) => {
      if (f.provider !== undefined && !upstreamNames.has(f.provider)) {
        throw new PolicyValidationError([{ path: `routing.${model}[${i}].provider`, message: `no upstream named "${f.provider}" (define it under upstreams: with format, base_url, api_key)` }], file);
      }
    });
  }
  const policyDocuments: unknown[] = [];
  (config.policies ?? []).forEach((entry, i) => {
    if (typeof entry !== 'string') {
      policyDocuments.push(entry);
      return;
    }
    const policyFile = resolve(dirname(file), entry);
    if (!existsSync(policyFile)) throw new PolicyValidationError([{ path: `policies[${i}]`, message: `no such policy file: ${entry}` }], file);
    policyDocuments.push(...parsePolicyText(readFileSync(policyFile, 'utf8'), policyFile));
  });
  const keys = (config.keys ?? []).map((k) => ({
    id: k.id,
    sha256: k.key_sha256 ?? hashVirtualKey(k.key as string),
    org: k.org,
    team: k.team,
    user: k.user,
    environment: k.environment,
    role: k.role,
    ...(k.rpm_limit !== undefined ? { rpmLimit: k.rpm_limit } : {}),
    ...(k.tpm_limit !== undefined ? { tpmLimit: k.tpm_limit } : {}),
    ...(k.max_budget !== undefined ? { maxBudgetUsd: k.max_budget } : {}),
    ...(k.budget_duration !== undefined ? { budgetDuration: k.budget_duration } : {}),
  }));
  const ids = new Set<string>();
  keys.forEach((k, i) => {
    if (ids.has(k.id)) throw new PolicyValidationError([{ path: `keys[${i}].id`, message: `duplicate key id "${k.id}"` }], file);
    ids.add(k.id);
  });
  return { source: file, file: config, policyDocuments, keys };
}
