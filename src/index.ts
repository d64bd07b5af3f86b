// Warden's public API. Importing it has no side effects beyond loading the price catalog.
export { compilePolicies, loadPolicyFile, createPricing, DEFAULT_MAX_OUTPUT_TOKENS } from './engine/engine.js';
export type { EngineOptions } from './engine/engine.js';
export { PolicySet } from './engine/policy-set.js';
export { parsePolicyText } from './engine/policy-document.js';
export type { PolicyDocument, PolicyScope } from './engine/policy-document.js';
export { PolicyValidationError, ERROR_CODES, statusOf } from './engine/errors.js';
export type { ErrorCode, PolicyIssue } from './engine/errors.js';
export { BaseRule, RuleDecision } from './engine/custom-rule.js';
export type { CustomRule, RuleContext, RuleDecisionInit, RuleFunction } from './engine/custom-rule.js';
export { decisionRecord } from './engine/decision-record.js';
export type { DecisionRecord } from './engine/decision-record.js';
export { policyJsonSchema } from './engine/json-schema.js';
export { CONDITION_VARIABLES } from './engine/conditions.js';
export type { RuleKind, EvalContext, RuleEvaluator, CompileEnv } from './engine/rule-kind.js';
export { defineRuleKind } from './engine/rule-kind.js';
export type * from './engine/types.js';
export { createInjectionClassifier, needsConfirmation, askClassifier, confirmDecision, DEFAULT_CLASSIFIER_TIMEOUT_MS } from './engine/confirm.js';
export type { InjectionClassifier, InjectionClassifierConfig, InjectionClassifierOptions } from './engine/confirm.js';
export { ClassifierError } from './detectors/classifier/index.js';
export type { ClassifierAnswer, ClassifyFunction, LlmClassifierConfig } from './detectors/classifier/index.js';
export { requestParsers, detectRoute } from './providers/parse-request.js';
export { InvalidRequestBodyError } from './providers/request-shape.js';
export * from './sdk/index.js';
// Counter stores for budgets and limits shared across SDK processes and gateways.
export * from './counters/index.js';
