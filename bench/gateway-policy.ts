// The "full default policy" the gateway benchmark runs Warden with: what a real org turns on,
// none of it triggering on the benchmark's requests (so every call is decided and forwarded).
import { compilePolicies } from '../src/engine/engine.js';
import { ruleKinds } from '../src/rules/registry.js';

export const BENCH_KEY = 'wk_live_bench_0123456789abcdef';
export const BENCH_MODEL = 'gpt-4o-mini';

/** Thirty banned patterns of the kind teams write: credentials, internal names, dangerous commands. */
const BANNED_PATTERNS = [
  'api_key\\s*[:=]',
  '(?i)password\\s*[:=]',
  '(?i)passwd\\s*[:=]',
  '-----BEGIN [A-Z ]*PRIVATE KEY-----',
  '(?i)aws_secret_access_key',
  '\\bAKIA[0-9A-Z]{16}\\b',
  '\\bghp_[A-Za-z0-9]{36}\\b',
  '\\bxox[bpas]-[A-Za-z0-9-]{10,}',
  '(?i)project[-_ ]zeus',
  '(?i)project[-_ ]atlas',
  '(?i)internal[-_ ]only',
  '(?i)do not distribute',
  '(?i)drop\\s+table',
  '(?i)truncate\\s+table',
  '(?i)rm\\s+-rf\\s+/',
  '(?i)mkfs\\.',
  '(?i):\\(\\)\\s*\\{\\s*:\\|:&\\s*\\};:',
  '(?i)chmod\\s+777',
  '(?i)curl\\s+[^|]*\\|\\s*(ba)?sh',
  '(?i)wget\\s+[^|]*\\|\\s*(ba)?sh',
  '(?i)forbidden_[a-z]{3,8}\\d+',
  '(?i)acme[-_]confidential',
  '(?i)salary\\s+band',
  '(?i)merger\\s+code\\s*name',
  '(?i)\\bssn\\s*[:#]',
  '(?i)credit\\s*card\\s*number',
  '(?i)bearer\\s+[A-Za-z0-9._-]{20,}',
  '(?i)jdbc:[a-z]+://',
  '(?i)mongodb(\\+srv)?://[^\\s]+:[^\\s]+@',
  '(?i)postgres(ql)?://[^\\s]+:[^\\s]+@',
];

/** Detector rule kinds to turn on when they are registered, with the action to try first. */
const DETECTOR_KINDS: ReadonlyArray<[string, string[]]> = [
  ['pii', ['redact', 'block', 'flag']],
  ['secrets', ['block', 'redact', 'flag']],
  ['prompt_injection', ['block', 'flag']],
  ['encoding', ['flag', 'block']],
  ['exfiltration', ['block', 'flag']],
];

function compiles(rule: Record<string, unknown>): boolean {
  try {
    compilePolicies([{ policy_name: 'probe', rules: [rule] }]);
    return true;
  } catch {
    return false;
  }
}

/** The detector rules registered in src/rules/registry.ts today, each with the first config that compiles. */
function detectorRules(): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  for (const [type, actions] of DETECTOR_KINDS) {
    if (!ruleKinds.has(type)) continue;
    const candidate = [...actions.map((action) => ({ type, action })), { type }].find(compiles);
    if (candidate) rules.push(candidate);
  }
  return rules;
}

export function benchPolicies(): { docs: unknown[]; ruleTypes: string[]; ruleCount: number } {
  const rules: Record<string, unknown>[] = [
    { type: 'model_access', models: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1*', 'claude-*'], blocked_models: ['gpt-4-32k'] },
    { type: 'key_environment_check', prod_key_prefixes: ['wk_live_'], allowed_envs: ['production'] },
    { type: 'token_ceiling', max_input_tokens: 16_000 },
    { type: 'max_cost_per_request', max_usd: 2 },
    { type: 'content_filter', name: 'banned_patterns', patterns: BANNED_PATTERNS, action: 'block' },
    { type: 'approval_threshold', threshold_usd: 5 },
    { type: 'model_downgrade', name: 'cheap_tier', models: ['gpt-4o'], fallback: 'gpt-4o-mini', when: '"tier" in labels && labels.tier == "cheap"' },
    ...detectorRules(),
  ];
  return {
    docs: [{ policy_name: 'org_default', scope: { org: 'acme' }, rules }],
    ruleTypes: [...new Set(rules.map((r) => r.type as string))],
    ruleCount: rules.length,
  };
}
