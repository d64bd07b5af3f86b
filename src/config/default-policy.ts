/**
 * What Warden enforces out of the box (seed 004: PII scanning blocks by default; content
 * safety and security scanning are on by default). The default fills in only the rule
 * types a deployment's own policies do not configure: writing a `pii` rule anywhere
 * replaces the default `pii` rule instead of adding a second, stricter one.
 */
export const DEFAULT_POLICY_NAME = 'warden_default';

const DEFAULT_RULES: readonly Record<string, unknown>[] = [
  { type: 'secrets', action: 'block' },
  { type: 'pii', action: 'block' },
  { type: 'prompt_injection', action: 'block' },
  { type: 'exfiltration', action: 'block' },
  { type: 'encoding', action: 'flag' },
];

function ruleTypes(documents: readonly unknown[]): Set<string> {
  const types = new Set<string>();
  for (const doc of documents) {
    const rules = (doc as { rules?: unknown }).rules;
    if (!Array.isArray(rules)) continue;
    for (const rule of rules) {
      const type = (rule as { type?: unknown } | null)?.type;
      if (typeof type === 'string') types.add(type);
    }
  }
  return types;
}

/** The default policy for these documents: the default rules whose type they leave unset. */
export function defaultPolicy(documents: readonly unknown[]): Record<string, unknown> | undefined {
  const configured = ruleTypes(documents);
  const rules = DEFAULT_RULES.filter((r) => !configured.has(r.type as string));
  if (!rules.length) return undefined;
  return { policy_name: DEFAULT_POLICY_NAME, description: 'Warden defaults (seed 004): secrets, PII, injection and exfiltration blocked; encoding tricks flagged', rules };
}
