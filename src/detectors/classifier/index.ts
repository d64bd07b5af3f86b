// The optional LLM confirmation of prompt-injection hits (`confirm_with_classifier`); see src/engine/confirm.ts.
export { ClassifierError, classifierPrompt, llmClassifier, parseAnswer } from './llm-classifier.js';
export type { ClassifierAnswer, ClassifyFunction, LlmClassifierConfig } from './llm-classifier.js';
