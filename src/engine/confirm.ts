// Opt-in LLM confirmation of prompt-injection hits (`confirm_with_classifier: true`).
// The engine stays synchronous and pure: decide() marks the hits of confirm-enabled rules;
// the host (gateway, SDK) sees that in the decision, asks the classifier here with the
// flagged excerpts, puts the verdict on the request and decides again. A `benign` verdict
// turns those rules' hits into a pass whose reason says the classifier overturned them.
// Without a hit the classifier is never called.
import { ClassifierError, type ClassifyFunction, type LlmClassifierConfig, llmClassifier } from '../detectors/classifier/index.js';
import { classifierTexts, forgetRedactions } from '../rules/detector-rule.js';
import type { ClassifierVerdict, Decision, LlmRequest, RuleOutcome } from './types.js';

export const DEFAULT_CLASSIFIER_TIMEOUT_MS = 2_000;

export interface InjectionClassifierOptions {
  /** Longest wait for the answer; default 2000 ms. */
  timeoutMs?: number;
  /** On a timeout, an HTTP error or an answer that is not one word: `keep` the heuristic decision (default, fail closed) or `allow` the call. */
  onError?: 'keep' | 'allow';
}

/** A model config (OpenAI or Anthropic wire format), or your own function. */
export type InjectionClassifierConfig = (LlmClassifierConfig | { classify: ClassifyFunction }) & InjectionClassifierOptions;

/** The classifier as the gateway and the SDK hold it. */
export interface InjectionClassifier {
  readonly classify: ClassifyFunction;
  readonly timeoutMs: number;
  readonly onError: 'keep' | 'allow';
}

export function createInjectionClassifier(config: InjectionClassifierConfig): InjectionClassifier {
  const timeoutMs = config.timeoutMs ?? DEFAULT_CLASSIFIER_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError(`classifier timeoutMs must be a positive number, got ${String(config.timeoutMs)}`);
  const onError = config.onError ?? 'keep';
  if (onError !== 'keep' && onError !== 'allow') throw new TypeError(`classifier onError must be keep or allow, got ${JSON.stringify(onError)}`);
  if ('classify' in config) {
    if (typeof config.classify !== 'function') throw new TypeError('classifier classify must be a function');
    return { classify: config.classify, timeoutMs, onError };
  }
  if (config.provider !== 'openai' && config.provider !== 'anthropic') throw new TypeError(`classifier provider must be openai or anthropic, got ${JSON.stringify(config.provider)}`);
  if (typeof config.model !== 'string' || !config.model) throw new TypeError('classifier model must be a model name');
  if (typeof config.baseUrl !== 'string' || !config.baseUrl) throw new TypeError('classifier baseUrl must be a URL');
  return { classify: llmClassifier(config), timeoutMs, onError };
}

/** A non-shadow outcome of a confirm-enabled rule that blocked or redacted, awaiting the classifier. */
function awaitsClassifier(o: RuleOutcome): boolean {
  return !o.shadow && o.metadata?.confirm_with_classifier === true && (o.outcome === 'block' || o.outcome === 'modify');
}

/**
 * True when a confirm-enabled rule caused the decision, wholly or in part: it is the block
 * (a block ends evaluation, so the deciding rule is the last outcome), or it redacted in a
 * modify or escalate decision. Flags change nothing and are never put to the classifier,
 * nor are monitor-mode rules, nor hits under another rule's block.
 */
export function needsConfirmation(decision: Decision): boolean {
  if (decision.action === 'allow') return false;
  if (decision.action === 'block' || decision.action === 'throttle') {
    const last = decision.outcomes[decision.outcomes.length - 1];
    return last !== undefined && awaitsClassifier(last);
  }
  return decision.outcomes.some(awaitsClassifier);
}

/**
 * Asks the classifier about `texts` within its timeout. Never throws: a failure is an
 * `error` verdict carrying the configured `onError` and a detail free of any text.
 */
export async function askClassifier(classifier: InjectionClassifier, texts: readonly string[], signal?: AbortSignal): Promise<ClassifierVerdict> {
  const failed = (detail: string): ClassifierVerdict => ({ verdict: 'error', onError: classifier.onError, detail });
  if (!texts.length) return failed('no flagged text to classify');
  const controller = new AbortController();
  const stop = () => controller.abort();
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new ClassifierError('timeout'));
    }, classifier.timeoutMs);
  });
  try {
    // Raced: a custom function that ignores the signal still cannot hold the call past the timeout.
    const answer = await Promise.race([classifier.classify(texts, controller.signal), timeout]);
    if (answer !== 'injection' && answer !== 'benign') return failed('the classifier answered neither injection nor benign');
    return { verdict: answer };
  } catch (err) {
    if (timedOut) return failed(`timeout after ${classifier.timeoutMs} ms`);
    if (signal?.aborted) return failed('aborted');
    // A custom function's own message might quote the text: only our own errors are named.
    return failed(err instanceof ClassifierError ? err.message : 'the classifier failed');
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
  }
}

/**
 * For a decision that `needsConfirmation`: asks the classifier about the flagged excerpts,
 * sets `request.classifierVerdict` and returns `redecide()` (the same request object, its
 * redaction state reset). The second decision carries the verdict in the rule's outcome.
 */
export async function confirmDecision(classifier: InjectionClassifier, request: LlmRequest, redecide: () => Decision, signal?: AbortSignal): Promise<Decision> {
  request.classifierVerdict = await askClassifier(classifier, classifierTexts(request), signal);
  forgetRedactions(request);
  return redecide();
}
