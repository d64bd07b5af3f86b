export { wrapOpenAI } from './wrap-openai.js';
export { wrapAnthropic } from './wrap-anthropic.js';
export type { WardenCallOptions, WardenOptions } from './wrap.js';
export type { SdkClassifierOption } from './classifier.js';
export { PolicyEngine } from './policy-engine.js';
export type { PolicyEngineOptions, SdkRule } from './policy-engine.js';
export { PolicyViolationError, isPolicyViolationError } from './policy-violation-error.js';
export { withLabels, currentLabels } from './labels.js';
export { EnforcementConfigError, enforcementRules } from './enforcement-config.js';
export type { EnforcementConfig } from './enforcement-config.js';
export {
  SeedRule,
  MonthlyBudgetRule,
  MaxCostPerRequestRule,
  PerUserBudgetRule,
  ForecastBudgetRule,
  VelocityLimitRule,
  CostVelocityRule,
  RestrictModelRule,
  TagBasedModelDowngradeRule,
} from './seed-rules.js';
export type { Condition } from './seed-rules.js';
export { connectWarden, ServerUnreachableError } from './server-link.js';
export type { ServerLink, ServerLinkOptions } from './server-link.js';
export { Journal } from './journal.js';
export type { JournalEntry, JournalOptions, JournalStats } from './journal.js';
