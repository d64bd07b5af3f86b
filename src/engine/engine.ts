import { readFileSync } from 'node:fs';
import { PriceCatalog, type PriceOverride, countTokens } from '../pricing/index.js';
import { type CompileOptions, compileDocuments, revisionOf } from './compile.js';
import type { PricingPort } from './context.js';
import { PolicyValidationError } from './errors.js';
import { parsePolicyText } from './policy-document.js';
import { PolicySet } from './policy-set.js';

export interface EngineOptions extends CompileOptions {
  /** Per-model prices for private or new models: `{ "my-model": { input_per_mtok, output_per_mtok } }`. */
  priceOverrides?: Record<string, PriceOverride>;
  /** Replace pricing entirely (tests, custom catalogs). */
  pricing?: PricingPort;
  /** What cost rules do when a model has no known price. Default `block`: never a silent zero. */
  unknownPrice?: 'block' | 'allow';
  /** Output cap assumed for the worst-case cost when a request sets none. Default 4096. */
  defaultMaxOutputTokens?: number;
}

export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export function createPricing(overrides?: Record<string, PriceOverride>): PricingPort {
  const catalog = new PriceCatalog({ overrides });
  return {
    price: (provider, model) => catalog.lookup(provider, model),
    countTokens,
  };
}

/**
 * Compiles policy documents into an immutable PolicySet. Throws PolicyValidationError
 * with every issue (and its path) when any document is invalid; nothing is skipped.
 */
export function compilePolicies(docs: readonly unknown[], options: EngineOptions = {}, source?: string): PolicySet {
  let pricing = options.pricing;
  if (!pricing) {
    try {
      pricing = createPricing(options.priceOverrides);
    } catch (err) {
      throw new PolicyValidationError([{ path: 'pricing.overrides', message: (err as Error).message }], source);
    }
  }
  const policies = compileDocuments(docs, options, source);
  return new PolicySet(policies, revisionOf(docs), {
    pricing,
    unknownPrice: options.unknownPrice ?? 'block',
    defaultMaxOutputTokens: options.defaultMaxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
  });
}

/** Reads a YAML or JSON policy file (one document, a list, or `{ policies: [...] }`) and compiles it. */
export function loadPolicyFile(path: string, options: EngineOptions = {}): PolicySet {
  const docs = parsePolicyText(readFileSync(path, 'utf8'), path);
  return compilePolicies(docs, options, path);
}
