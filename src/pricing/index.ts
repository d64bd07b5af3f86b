export { InvalidPriceOverrideError, PriceCatalog } from './catalog.js';
export type { ModelPrice, PriceCatalogOptions, PriceOverride } from './catalog.js';
export { estimateCostUsd } from './estimate.js';
export type { TokenUsage } from './estimate.js';
export { APPROXIMATION_FACTOR, clearTokenCountCache, countTokens } from './tokens.js';
export type { TokenCount } from './tokens.js';
