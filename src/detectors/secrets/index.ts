// Secrets detector: the rule catalogue turned into recognizers, plus the few validators
// that need more than a pattern (JWT structure, generic assignments, placeholders).
import type { MatchInfo, Recognizer } from '../types.js';
import { SECRET_RULES } from './rules.js';
import type { SecretRule } from './rules.js';

export { SECRET_RULES } from './rules.js';
export type { SecretRule } from './rules.js';

/**
 * Documentation keys (AWS's `AKIAIOSFODNN7EXAMPLE`, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`)
 * and obvious placeholders are not credentials. They are skipped unless the scanner is
 * configured with `reportExampleSecrets: true`; documented in docs/detectors.md.
 */
const EXAMPLE = /example|x{6,}|\*{4,}|0{10,}|<[^>]{1,40}>|\$\{|\{\{|your[_-]?(?:api[_-]?)?(?:key|token|secret|password)|placeholder|dummy|redacted|changeme|insert[_-]?here/i;

export function isExampleSecret(value: string): boolean {
  return EXAMPLE.test(value);
}

function jwt(m: MatchInfo): boolean {
  const header = m.value.slice(0, m.value.indexOf('.'));
  try {
    const json = Buffer.from(header, 'base64url').toString('utf8');
    return /"alg"\s*:/.test(json) || /"typ"\s*:/.test(json);
  } catch {
    return false;
  }
}

/** An assigned value counts only when it mixes letters and digits or is long; identifiers do not. */
function genericValue(m: MatchInfo): boolean {
  const v = m.value;
  if (!/[A-Za-z]/.test(v)) return false;
  if (!/\d/.test(v) && v.length < 32) return false;
  // Dotted references (`process.env.X`, `config.db.password`) and paths are code, not secrets.
  if (/^[a-z_]+(?:\.[a-z_]+)+$/i.test(v) || v.startsWith('/')) return false;
  return true;
}

const VALIDATORS: Record<string, (m: MatchInfo) => boolean | number> = {
  jwt,
  'generic-secret-assignment': genericValue,
  'authorization-header': genericValue,
};

export function secretEntity(id: string): string {
  return id.toUpperCase().replace(/-/g, '_');
}

function toRecognizer(rule: SecretRule): Recognizer {
  const validate = VALIDATORS[rule.id];
  return {
    id: rule.id,
    detector: 'secrets',
    entity: secretEntity(rule.id),
    pattern: rule.pattern,
    score: rule.score ?? 0.9,
    ...(rule.group ? { group: rule.group } : {}),
    ...(rule.prefilter ? { prefilter: rule.prefilter } : {}),
    ...(rule.caseInsensitive ? { caseInsensitive: true } : {}),
    ...(rule.minEntropy !== undefined ? { minEntropy: rule.minEntropy } : {}),
    ...(validate ? { validate } : {}),
  };
}

export const SECRET_RECOGNIZERS: readonly Recognizer[] = SECRET_RULES.map(toRecognizer);
export const SECRET_ENTITIES: readonly string[] = SECRET_RECOGNIZERS.map((r) => r.entity);
