// Reads the driver-neutral conformance cases (test/conformance/cases/*.yaml). The engine,
// SDK and gateway drivers all run the same files; each case is policies + a tenant + a
// wire-format request body -> an expected decision.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const CASES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'cases');

/** Cases in this file describe behaviour a user expects but the engine does not (yet) show. */
export const KNOWN_FAILURES_FILE = 'known-failures.yaml';

export const ROUTES = ['openai.chat', 'openai.responses', 'openai.embeddings', 'anthropic.messages'] as const;
export type Route = (typeof ROUTES)[number];

/** The default injected clock when a case names none (a Thursday, 10:30 UTC). */
export const DEFAULT_NOW = '2026-01-15T10:30:00.000Z';

const ACTIONS = ['allow', 'block', 'modify', 'throttle', 'escalate'] as const;
const OUTCOMES = ['pass', 'skip', 'flag', 'modify', 'escalate', 'throttle', 'block'] as const;

const substrings = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v));

const tenantSchema = z
  .object({
    org: z.string().min(1),
    team: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    key_id: z.string().min(1).optional(),
    key_prefix: z.string().min(1).max(16).optional(),
    environment: z.string().min(1).optional(),
    role: z.string().min(1).optional(),
  })
  .strict();

const priceSchema = z.object({ input_per_mtok: z.number().nonnegative(), output_per_mtok: z.number().nonnegative() }).strict();

const optionsSchema = z
  .object({
    unknown_price: z.enum(['block', 'allow']).optional(),
    default_max_output_tokens: z.number().int().positive().optional(),
    price_overrides: z.record(z.string(), priceSchema).optional(),
  })
  .strict();

/** A subset match on one entry of `Decision.outcomes`. */
const outcomeMatchSchema = z
  .object({
    policy: z.string().optional(),
    rule: z.string().optional(),
    type: z.string().optional(),
    outcome: z.enum(OUTCOMES).optional(),
    shadow: z.boolean().optional(),
    code: z.string().optional(),
    reason_includes: substrings.optional(),
  })
  .strict();

const claimMatchSchema = z
  .object({
    policy: z.string().optional(),
    rule: z.string().optional(),
    scope: z.string().optional(),
    metric: z.enum(['usd', 'tokens', 'requests']).optional(),
    window: z.enum(['day', 'month', 'none']).optional(),
    limit: z.number().optional(),
  })
  .strict();

const issueMatchSchema = z.union([
  z.string(),
  z.object({ path: z.string(), message_includes: substrings.optional() }).strict(),
]);

const expectSchema = z
  .object({
    action: z.enum(ACTIONS).optional(),
    code: z.string().optional(),
    /** `null`: the decision names no policy (an allow). */
    policy: z.string().nullable().optional(),
    rule: z.string().nullable().optional(),
    reason_includes: substrings.optional(),
    reason_excludes: substrings.optional(),
    /** The model forwarded upstream, after any default or downgrade. */
    model: z.string().optional(),
    /** Each listed redaction must appear; `[]` means none at all. */
    redactions: z.array(z.object({ entity: z.string(), count: z.number().int().positive() }).strict()).optional(),
    forwarded_text_includes: substrings.optional(),
    forwarded_text_excludes: substrings.optional(),
    /** Each entry must match some outcome (subset match on the given fields). */
    outcomes: z.array(outcomeMatchSchema).optional(),
    /** No outcome may match any of these (e.g. rules after the first enforcing block). */
    outcomes_absent: z.array(outcomeMatchSchema).optional(),
    claims: z.array(claimMatchSchema).optional(),
    user: z.string().nullable().optional(),
    environment: z.string().nullable().optional(),
    /** Compiling the policies must fail with an issue at each of these paths. */
    invalid_policy: z.array(issueMatchSchema).min(1).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.invalid_policy && e.action) ctx.addIssue({ code: 'custom', path: ['action'], message: 'give either action or invalid_policy' });
    if (!e.invalid_policy && !e.action) ctx.addIssue({ code: 'custom', path: ['action'], message: 'expect.action is required (or invalid_policy)' });
  });

const caseSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    policies: z.array(z.record(z.string(), z.unknown())).min(1),
    options: optionsSchema.optional(),
    tenant: tenantSchema.optional(),
    route: z.enum(ROUTES).default('openai.chat'),
    labels: z.record(z.string(), z.string()).optional(),
    session_id: z.string().min(1).optional(),
    now: z
      .union([z.string(), z.date()])
      .transform((v, ctx) => {
        const ms = v instanceof Date ? v.getTime() : Date.parse(v);
        if (Number.isNaN(ms)) {
          ctx.addIssue({ code: 'custom', message: `not a timestamp: ${String(v)}` });
          return z.NEVER;
        }
        return new Date(ms).toISOString();
      })
      .optional(),
    body: z.record(z.string(), z.unknown()).optional(),
    expect: expectSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.expect.invalid_policy && !c.body) ctx.addIssue({ code: 'custom', path: ['body'], message: 'a case that decides needs a body' });
    if (!c.expect.invalid_policy && !c.tenant) ctx.addIssue({ code: 'custom', path: ['tenant'], message: 'a case that decides needs a tenant' });
  });

export type CaseTenant = z.infer<typeof tenantSchema>;
export type CaseOptions = z.infer<typeof optionsSchema>;
export type OutcomeMatch = z.infer<typeof outcomeMatchSchema>;
export type ClaimMatch = z.infer<typeof claimMatchSchema>;
export type IssueMatch = z.infer<typeof issueMatchSchema>;
export type CaseExpectation = z.infer<typeof expectSchema>;

export type ConformanceCase = z.infer<typeof caseSchema> & {
  /** File the case came from (basename). */
  file: string;
  /** True for cases in known-failures.yaml: drivers run them expecting a failure. */
  knownFailure: boolean;
  /** The injected clock, ISO string (the case's `now`, else DEFAULT_NOW). */
  now: string;
};

export type DecidingCase = ConformanceCase & { body: Record<string, unknown>; tenant: CaseTenant };

/** True when the case expects a decision (not a compile failure). */
export function isDecidingCase(c: ConformanceCase): c is DecidingCase {
  return !c.expect.invalid_policy;
}

/** Parses one YAML file's text into validated cases; throws with every problem and its case. */
export function parseCaseFile(text: string, file: string): ConformanceCase[] {
  const raw: unknown = parseYaml(text, { uniqueKeys: true });
  if (!Array.isArray(raw)) throw new Error(`${file}: expected a YAML list of cases`);
  const problems: string[] = [];
  const cases: ConformanceCase[] = [];
  raw.forEach((entry, i) => {
    const parsed = caseSchema.safeParse(entry);
    if (!parsed.success) {
      const label = entry && typeof entry === 'object' && 'name' in entry ? String((entry as { name: unknown }).name) : `#${i}`;
      for (const issue of parsed.error.issues) problems.push(`${file} [${label}] ${issue.path.join('.') || '(case)'}: ${issue.message}`);
      return;
    }
    cases.push({ ...parsed.data, now: parsed.data.now ?? DEFAULT_NOW, file, knownFailure: file === KNOWN_FAILURES_FILE });
  });
  if (problems.length) throw new Error(`invalid conformance cases:\n${problems.join('\n')}`);
  return cases;
}

/** Loads every `*.yaml` file of the directory, in name order; case names are unique across files. */
export function loadConformanceCases(dir: string = CASES_DIR): ConformanceCase[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const all: ConformanceCase[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    for (const c of parseCaseFile(readFileSync(join(dir, file), 'utf8'), basename(file))) {
      const other = seen.get(c.name);
      if (other) throw new Error(`duplicate conformance case name "${c.name}" in ${file} (also in ${other})`);
      seen.set(c.name, file);
      all.push(c);
    }
  }
  return all;
}
