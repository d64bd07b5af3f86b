import type { RuleKind } from '../engine/rule-kind.js';
import { approvalThreshold } from './approval_threshold/index.js';
import { budget } from './budget/index.js';
import { contentFilter } from './content_filter/index.js';
import { dedupGuard } from './dedup_guard/index.js';
import { encoding } from './encoding/index.js';
import { exfiltration } from './exfiltration/index.js';
import { forecastBudget } from './forecast_budget/index.js';
import { keyEnvironmentCheck } from './key_environment_check/index.js';
import { loopBreaker } from './loop_breaker/index.js';
import { maxCostPerRequest } from './max_cost_per_request/index.js';
import { modelAccess } from './model_access/index.js';
import { modelDowngrade } from './model_downgrade/index.js';
import { pii } from './pii/index.js';
import { promptInjection } from './prompt_injection/index.js';
import { rateLimit } from './rate_limit/index.js';
import { secrets } from './secrets/index.js';
import { tokenCeiling } from './token_ceiling/index.js';
import { velocity } from './velocity/index.js';

/** Every built-in rule kind, by its `type` name. New kinds register here, never in a switch. */
export const ruleKinds: ReadonlyMap<string, RuleKind> = new Map(
  [modelAccess, keyEnvironmentCheck, tokenCeiling, maxCostPerRequest, contentFilter, pii, secrets, promptInjection, encoding, exfiltration, approvalThreshold, modelDowngrade, rateLimit, velocity, budget, forecastBudget, dedupGuard, loopBreaker].map((k) => [k.type, k]),
);
