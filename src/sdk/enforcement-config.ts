/**
 * Seed 000's `enforcement_config`, keys as written or in camelCase. Each key becomes a
 * rule of the one shared vocabulary.
 */
export interface EnforcementConfig {
  token_ceiling?: number;
  tokenCeiling?: number;
  max_session_usd?: number;
  maxSessionUsd?: number;
  dedup_ttl_seconds?: number;
  dedupTtlSeconds?: number;
  max_tool_calls?: number;
  maxToolCalls?: number;
  model_downgrade?: { threshold_usd: number; fallback: string };
  modelDowngrade?: { thresholdUsd: number; fallback: string };
}

const KNOWN = new Set([
  'token_ceiling', 'tokenCeiling', 'max_session_usd', 'maxSessionUsd', 'dedup_ttl_seconds', 'dedupTtlSeconds',
  'max_tool_calls', 'maxToolCalls', 'model_downgrade', 'modelDowngrade',
]);

export class EnforcementConfigError extends Error {
  override name = 'EnforcementConfigError';
}

function positive(key: string, value: unknown, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new EnforcementConfigError(`enforcementConfig.${key}: expected a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** The rules an enforcement config stands for, in the seed's order. Unknown keys are refused. */
export function enforcementRules(config: EnforcementConfig): Record<string, unknown>[] {
  for (const key of Object.keys(config)) {
    if (!KNOWN.has(key)) throw new EnforcementConfigError(`enforcementConfig.${key}: unknown key; expected one of ${[...KNOWN].filter((k) => k.includes('_')).join(', ')}`);
  }
  const rules: Record<string, unknown>[] = [];
  const ceiling = config.token_ceiling ?? config.tokenCeiling;
  if (ceiling !== undefined) rules.push({ type: 'token_ceiling', max_input_tokens: positive('token_ceiling', ceiling, true) });
  const session = config.max_session_usd ?? config.maxSessionUsd;
  if (session !== undefined) rules.push({ type: 'budget', name: 'session_budget', scope: 'session', window: 'total', max_usd: positive('max_session_usd', session, false) });
  const dedup = config.dedup_ttl_seconds ?? config.dedupTtlSeconds;
  if (dedup !== undefined) rules.push({ type: 'dedup_guard', ttl_seconds: positive('dedup_ttl_seconds', dedup, false) });
  const tools = config.max_tool_calls ?? config.maxToolCalls;
  if (tools !== undefined) rules.push({ type: 'loop_breaker', max_tool_calls: positive('max_tool_calls', tools, true) });
  const downgrade = config.model_downgrade ?? (config.modelDowngrade && { threshold_usd: config.modelDowngrade.thresholdUsd, fallback: config.modelDowngrade.fallback });
  if (downgrade !== undefined) {
    if (typeof downgrade.fallback !== 'string' || !downgrade.fallback) throw new EnforcementConfigError('enforcementConfig.model_downgrade.fallback: expected a model name');
    rules.push({ type: 'model_downgrade', name: 'model_router', threshold_usd: positive('model_downgrade.threshold_usd', downgrade.threshold_usd, false), fallback: downgrade.fallback });
  }
  return rules;
}
