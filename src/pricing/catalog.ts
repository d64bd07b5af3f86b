import { calcPrice, waitForUpdate } from '@pydantic/genai-prices';
import type { ModelInfo, ModelPrice as CatalogModelPrice, Provider } from '@pydantic/genai-prices';

/** Prices in USD per million tokens. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  cachedInputPerMTok?: number;
  source: 'override' | 'catalog';
}

/** One entry of the `pricing.overrides` config (snake_case, as in YAML). */
export interface PriceOverride {
  input_per_mtok: number;
  output_per_mtok: number;
  cached_input_per_mtok?: number;
}

export interface PriceCatalogOptions {
  /** Keys: a model id (`gpt-4o`) or `provider/model` (`openai/gpt-4o`). Exact match, case-insensitive. */
  overrides?: Record<string, PriceOverride>;
  /** Date at which date-constrained catalog prices are resolved. Defaults to construction time. */
  now?: Date;
  /** Bound on memoized lookups (model ids come from clients, so the memo must not grow without limit). */
  maxMemoEntries?: number;
}

export class InvalidPriceOverrideError extends Error {
  readonly code = 'invalid_price_override';
  constructor(
    readonly model: string,
    readonly field: string,
    value: unknown,
  ) {
    super(`pricing.overrides["${model}"].${field} must be a finite number >= 0, got ${JSON.stringify(value) ?? String(value)}`);
    this.name = 'InvalidPriceOverrideError';
  }
}

/** Warden provider names whose genai-prices id differs. Unlisted names are passed through. */
const PROVIDER_ALIASES: ReadonlyMap<string, string> = new Map([
  ['azure-openai', 'azure'],
  ['azure_openai', 'azure'],
  ['bedrock', 'aws'],
  ['aws-bedrock', 'aws'],
  ['gemini', 'google'],
  ['vertex', 'google'],
  ['vertex-ai', 'google'],
  ['vertex_ai', 'google'],
  ['xai', 'x-ai'],
  ['grok', 'x-ai'],
  ['together-ai', 'together'],
  ['togetherai', 'together'],
  ['fireworks-ai', 'fireworks'],
  ['fireworks_ai', 'fireworks'],
  ['moonshot', 'moonshotai'],
  ['zhipu', 'zhipuai'],
  ['voyage', 'voyageai'],
  ['mistralai', 'mistral'],
]);

// genai-prices only exposes its provider list through this promise; with the bundled data it is
// already resolved, so the await costs nothing but lets us search every provider synchronously.
const bundledProviders: readonly Provider[] = (await waitForUpdate()) ?? [];

const ZERO_USAGE = { input_tokens: 0, output_tokens: 0 };
const NO_PROVIDER = '';
const UNKNOWN = null;

type MemoEntry = ModelPrice | typeof UNKNOWN;

export class PriceCatalog {
  readonly #overridesByModel = new Map<string, ModelPrice>();
  readonly #overridesByProviderModel = new Map<string, ModelPrice>();
  readonly #memo = new Map<string, Map<string, MemoEntry>>();
  readonly #now: Date;
  readonly #maxMemoEntries: number;
  #memoSize = 0;
  /** The last lookup and its answer. */
  #last: { provider: string | undefined; model: string; price: ModelPrice | undefined } | undefined;

  constructor(options: PriceCatalogOptions = {}) {
    this.#now = options.now ?? new Date();
    this.#maxMemoEntries = options.maxMemoEntries ?? 10_000;
    for (const [key, override] of Object.entries(options.overrides ?? {})) {
      const price = validateOverride(key, override);
      const normalized = key.trim().toLowerCase();
      if (normalized.includes('/')) this.#overridesByProviderModel.set(normalized, price);
      this.#overridesByModel.set(normalized, price);
    }
  }

  /** Price of a model, or `undefined` when neither overrides nor the catalog know it (never zero). */
  lookup(provider: string | undefined, model: string): ModelPrice | undefined {
    // Most callers ask for the same model call after call (one SDK client, one app): answer
    // that from the last lookup, without touching the memo's maps.
    const last = this.#last;
    if (last !== undefined && last.model === model && last.provider === provider) return last.price;
    const price = this.#lookup(provider, model);
    this.#last = { provider, model, price };
    return price;
  }

  #lookup(provider: string | undefined, model: string): ModelPrice | undefined {
    const providerKey = provider ?? NO_PROVIDER;
    let byModel = this.#memo.get(providerKey);
    if (byModel !== undefined) {
      const hit = byModel.get(model);
      if (hit !== undefined) return hit ?? undefined;
    }
    const resolved = this.#resolve(provider, model);
    if (this.#memoSize >= this.#maxMemoEntries) {
      // Rare (only with adversarial model ids); a full reset keeps the hot path branch-free.
      this.#memo.clear();
      this.#memoSize = 0;
      byModel = undefined;
    }
    if (byModel === undefined) {
      byModel = new Map();
      this.#memo.set(providerKey, byModel);
    }
    byModel.set(model, resolved ?? UNKNOWN);
    this.#memoSize += 1;
    return resolved;
  }

  #resolve(provider: string | undefined, model: string): ModelPrice | undefined {
    const modelKey = model.trim().toLowerCase();
    const providerId = provider === undefined ? undefined : normalizeProvider(provider);
    if (providerId !== undefined) {
      const exact = this.#overridesByProviderModel.get(`${provider?.trim().toLowerCase()}/${modelKey}`)
        ?? this.#overridesByProviderModel.get(`${providerId}/${modelKey}`);
      if (exact !== undefined) return exact;
    }
    const override = this.#overridesByModel.get(modelKey);
    if (override !== undefined) return override;
    return this.#fromCatalog(providerId, modelKey);
  }

  #fromCatalog(providerId: string | undefined, model: string): ModelPrice | undefined {
    // 1. the provider the request goes to
    if (providerId !== undefined) {
      const price = this.#calc(model, providerId);
      if (price !== undefined) return price;
    }
    // 2. genai-prices' own model-name matching (gpt-* -> openai, *claude* -> anthropic, ...)
    const matched = this.#calc(model, undefined);
    if (matched !== undefined) return matched;
    // 3. "provider/model" ids (LiteLLM / OpenRouter style)
    const slash = model.indexOf('/');
    if (slash > 0) {
      const prefixed = this.#calc(model.slice(slash + 1), normalizeProvider(model.slice(0, slash)));
      if (prefixed !== undefined) return prefixed;
    }
    // 4. any provider that lists the model, in genai-prices' data order
    for (const candidate of bundledProviders) {
      if (candidate.id === providerId) continue;
      const price = this.#calc(model, candidate.id);
      if (price !== undefined) return price;
    }
    return undefined;
  }

  #calc(model: string, providerId: string | undefined): ModelPrice | undefined {
    const options = providerId === undefined ? { timestamp: this.#now } : { providerId, timestamp: this.#now };
    const result = calcPrice(ZERO_USAGE, model, options);
    if (result === null) return undefined;
    const price = toModelPrice(result.model_price);
    if (price === undefined || !hasTimeOfDayPrices(result.model)) return price;
    return this.#peakPrice(model, providerId, result.model, price);
  }

  /** Time-of-day prices (e.g. DeepSeek off-peak): reserve at the highest rate of the day. */
  #peakPrice(model: string, providerId: string | undefined, info: ModelInfo, price: ModelPrice): ModelPrice {
    let peak = price;
    for (const conditional of info.prices as Exclude<ModelInfo['prices'], CatalogModelPrice>) {
      const constraint = conditional.constraint;
      if (constraint?.type !== 'time_of_date') continue;
      const day = this.#now.toISOString().slice(0, 10);
      const timestamp = new Date(`${day}T${constraint.start_time.replace(/Z$/, '')}Z`);
      if (Number.isNaN(timestamp.getTime())) continue;
      const result = calcPrice(ZERO_USAGE, model, providerId === undefined ? { timestamp } : { providerId, timestamp });
      const candidate = result === null ? undefined : toModelPrice(result.model_price);
      if (candidate === undefined) continue;
      peak = Object.freeze({
        inputPerMTok: Math.max(peak.inputPerMTok, candidate.inputPerMTok),
        outputPerMTok: Math.max(peak.outputPerMTok, candidate.outputPerMTok),
        ...maxOptional(peak.cachedInputPerMTok, candidate.cachedInputPerMTok),
        source: 'catalog' as const,
      });
    }
    return peak;
  }
}

function normalizeProvider(provider: string): string {
  const key = provider.trim().toLowerCase();
  return PROVIDER_ALIASES.get(key) ?? key;
}

function hasTimeOfDayPrices(info: ModelInfo): boolean {
  return Array.isArray(info.prices) && info.prices.some((p) => p.constraint?.type === 'time_of_date');
}

function maxOptional(a: number | undefined, b: number | undefined): { cachedInputPerMTok?: number } {
  if (a === undefined && b === undefined) return {};
  return { cachedInputPerMTok: Math.max(a ?? 0, b ?? 0) };
}

/** Tiered prices (e.g. above 200k input tokens) resolve to their base tier. */
function baseTier(value: CatalogModelPrice[string]): number | undefined {
  if (typeof value === 'number') return value;
  if (value !== undefined && typeof value.base === 'number') return value.base;
  return undefined;
}

function toModelPrice(prices: CatalogModelPrice): ModelPrice | undefined {
  const input = baseTier(prices.input_mtok);
  const output = baseTier(prices.output_mtok);
  // Not priced per token (images, audio seconds, per request): cost cannot be estimated from tokens.
  if (input === undefined && output === undefined) return undefined;
  const cached = baseTier(prices.cache_read_mtok);
  return Object.freeze({
    inputPerMTok: input ?? 0,
    outputPerMTok: output ?? 0,
    ...(cached === undefined ? {} : { cachedInputPerMTok: cached }),
    source: 'catalog' as const,
  });
}

function validateOverride(model: string, override: PriceOverride): ModelPrice {
  if (typeof override !== 'object' || override === null) throw new InvalidPriceOverrideError(model, '(entry)', override);
  const input = checkRate(model, 'input_per_mtok', override.input_per_mtok);
  const output = checkRate(model, 'output_per_mtok', override.output_per_mtok);
  const cached = override.cached_input_per_mtok === undefined
    ? undefined
    : checkRate(model, 'cached_input_per_mtok', override.cached_input_per_mtok);
  return Object.freeze({
    inputPerMTok: input,
    outputPerMTok: output,
    ...(cached === undefined ? {} : { cachedInputPerMTok: cached }),
    source: 'override' as const,
  });
}

function checkRate(model: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidPriceOverrideError(model, field, value);
  }
  return value;
}
