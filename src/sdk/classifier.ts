// The SDK side of `confirm_with_classifier`: the wrapper's `classifier` option and the
// signal guard() stops with when a hit must be confirmed first (see src/engine/confirm.ts).
import { type InjectionClassifier, type InjectionClassifierOptions, createInjectionClassifier } from '../engine/confirm.js';
import type { ClassifyFunction } from '../detectors/classifier/index.js';
import type { ClassifierVerdict, LlmRequest } from '../engine/types.js';

/**
 * The wrapper's `classifier` option: your own function, or a model asked over the wrapped
 * client's wire format. `provider`, `baseURL` and `apiKey` default to the wrapped client's.
 */
export type SdkClassifierOption =
  | ClassifyFunction
  | (InjectionClassifierOptions & {
      classify?: ClassifyFunction;
      provider?: 'openai' | 'anthropic';
      /** The classifying model, e.g. `gpt-4o-mini` or `claude-3-5-haiku-latest` (needed unless `classify` is given). */
      model?: string;
      /** As the official SDKs take it: OpenAI's includes `/v1`, Anthropic's does not. */
      baseURL?: string;
      apiKey?: string;
      /** Replaces the global fetch for the classifier's call. */
      fetch?: typeof fetch;
    });

/**
 * Thrown by guard() on the first pass when a confirm-enabled rule caused the decision; the
 * wrapper catches it, asks the classifier, and guards again with the verdict. Never escapes
 * the wrapper.
 */
export class ClassifierPending extends Error {
  override name = 'ClassifierPending';
  constructor(readonly request: LlmRequest) {
    super('a prompt_injection hit awaits the classifier');
  }
}

/** The classifier for a wrapped client; `client` supplies the defaults (its base URL and key). */
export function sdkClassifier(option: SdkClassifierOption, client: object, provider: 'openai' | 'anthropic'): InjectionClassifier {
  if (typeof option === 'function') return createInjectionClassifier({ classify: option });
  const { classify, timeoutMs, onError } = option;
  const limits = { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(onError !== undefined ? { onError } : {}) };
  if (classify) return createInjectionClassifier({ classify, ...limits });
  // The client's base URL and key serve only a classifier of the client's own provider.
  const own = !option.provider || option.provider === provider ? (client as { baseURL?: unknown; apiKey?: unknown }) : {};
  const baseUrl = option.baseURL ?? (typeof own.baseURL === 'string' ? own.baseURL : undefined);
  const apiKey = option.apiKey ?? (typeof own.apiKey === 'string' ? own.apiKey : undefined);
  if (!option.model) throw new TypeError('classifier: give model (the classifying model) or classify (your own function)');
  if (!baseUrl) throw new TypeError(`classifier: give baseURL (the ${option.provider ?? provider} endpoint to call)`);
  return createInjectionClassifier({
    provider: option.provider ?? provider,
    model: option.model,
    baseUrl,
    ...(apiKey ? { apiKey } : {}),
    ...(option.fetch ? { fetch: option.fetch } : {}),
    ...limits,
  });
}

/**
 * guard()'s part: on the first pass (`{}`) a hit to confirm stops it with ClassifierPending;
 * on the second, `verdict` goes on the request before it decides.
 */
export interface ClassifierPass {
  verdict?: ClassifierVerdict;
}
