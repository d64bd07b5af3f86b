import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { InvalidPriceOverrideError, PriceCatalog } from './catalog.js';

/**
 * $/MTok from the package's own calculation, so the tests follow genai-prices updates. Priced on
 * 1,000 tokens: tiered models switch the whole request to the higher tier above 200k tokens.
 */
function packagePrice(model: string, providerId: string) {
  const result = calcPrice({ input_tokens: 1000, output_tokens: 1000 }, model, { providerId });
  if (result === null) throw new Error(`genai-prices has no ${providerId}/${model}`);
  return { input: result.input_price * 1000, output: result.output_price * 1000 };
}

describe('PriceCatalog', () => {
  const catalog = new PriceCatalog();

  it('returns known catalog prices (gpt-4o-mini, claude-3-haiku)', () => {
    expect(catalog.lookup('openai', 'gpt-4o-mini')).toEqual({
      inputPerMTok: 0.15,
      outputPerMTok: 0.6,
      cachedInputPerMTok: 0.075,
      source: 'catalog',
    });
    const haiku = catalog.lookup('anthropic', 'claude-3-haiku-20240307');
    expect(haiku).toMatchObject({ inputPerMTok: 0.25, outputPerMTok: 1.25, source: 'catalog' });
    const pkg = packagePrice('claude-3-haiku-20240307', 'anthropic');
    expect(haiku?.inputPerMTok).toBeCloseTo(pkg.input, 10);
    expect(haiku?.outputPerMTok).toBeCloseTo(pkg.output, 10);
  });

  it('resolves dated and alias model ids', () => {
    expect(catalog.lookup('openai', 'gpt-4o-2024-08-06')).toEqual(catalog.lookup('openai', 'gpt-4o'));
    expect(catalog.lookup('anthropic', 'claude-haiku-4-5-20251001')).toEqual(catalog.lookup('anthropic', 'claude-haiku-4-5'));
    const sonnet = catalog.lookup('anthropic', 'claude-sonnet-4-5');
    expect(sonnet).toBeDefined();
    expect(sonnet?.inputPerMTok).toBeCloseTo(packagePrice('claude-sonnet-4-5', 'anthropic').input, 10);
  });

  it('uses the base tier of tiered prices', () => {
    // claude-sonnet-4-5 doubles its input price above 200k tokens; the base tier applies.
    const base = calcPrice({ input_tokens: 1000 }, 'claude-sonnet-4-5', { providerId: 'anthropic' });
    expect(catalog.lookup('anthropic', 'claude-sonnet-4-5')?.inputPerMTok).toBeCloseTo((base?.input_price ?? Number.NaN) * 1000, 10);
  });

  it('finds a model across providers when the provider is unknown or missing', () => {
    const direct = catalog.lookup('openai', 'gpt-4o-mini');
    expect(catalog.lookup(undefined, 'gpt-4o-mini')).toEqual(direct);
    expect(catalog.lookup('my-proxy', 'gpt-4o-mini')).toEqual(direct);
    expect(catalog.lookup(undefined, 'openai/gpt-4o-mini')).toEqual(direct);
    expect(catalog.lookup('gemini', 'gemini-2.5-pro')).toEqual(catalog.lookup('google', 'gemini-2.5-pro'));
  });

  it('returns undefined for unknown models, never a zero price', () => {
    expect(catalog.lookup('openai', 'no-such-model-xyz')).toBeUndefined();
    expect(catalog.lookup(undefined, 'no-such-model-xyz')).toBeUndefined();
    // memoized negative answer stays undefined
    expect(catalog.lookup(undefined, 'no-such-model-xyz')).toBeUndefined();
  });

  it('memoizes: the same object comes back', () => {
    expect(catalog.lookup('openai', 'gpt-4o')).toBe(catalog.lookup('openai', 'gpt-4o'));
  });

  it('uses the peak rate for time-of-day prices', () => {
    const offPeakNight = new PriceCatalog({ now: new Date('2025-06-01T20:00:00Z') });
    const peak = calcPrice({ input_tokens: 1_000_000 }, 'deepseek-chat', {
      providerId: 'deepseek',
      timestamp: new Date('2025-06-01T08:00:00Z'),
    });
    const offPeak = calcPrice({ input_tokens: 1_000_000 }, 'deepseek-chat', {
      providerId: 'deepseek',
      timestamp: new Date('2025-06-01T20:00:00Z'),
    });
    expect(peak?.input_price).toBeGreaterThan(offPeak?.input_price ?? Number.POSITIVE_INFINITY);
    expect(offPeakNight.lookup('deepseek', 'deepseek-chat')?.inputPerMTok).toBeCloseTo(peak?.input_price ?? Number.NaN, 10);
  });

  it('bounds the memo', () => {
    const small = new PriceCatalog({ maxMemoEntries: 3 });
    for (let i = 0; i < 10; i++) small.lookup(undefined, `unknown-${i}`);
    expect(small.lookup('openai', 'gpt-4o-mini')?.inputPerMTok).toBe(0.15);
  });

  describe('overrides', () => {
    const withOverrides = new PriceCatalog({
      overrides: {
        'gpt-4o-mini': { input_per_mtok: 1, output_per_mtok: 2 },
        'anthropic/claude-3-haiku-20240307': { input_per_mtok: 3, output_per_mtok: 4, cached_input_per_mtok: 0.5 },
        'my-finetune': { input_per_mtok: 0, output_per_mtok: 0 },
      },
    });

    it('win over the catalog', () => {
      expect(withOverrides.lookup('openai', 'gpt-4o-mini')).toEqual({ inputPerMTok: 1, outputPerMTok: 2, source: 'override' });
      expect(withOverrides.lookup(undefined, 'GPT-4o-mini')?.source).toBe('override');
    });

    it('can be scoped to a provider', () => {
      expect(withOverrides.lookup('anthropic', 'claude-3-haiku-20240307')).toEqual({
        inputPerMTok: 3,
        outputPerMTok: 4,
        cachedInputPerMTok: 0.5,
        source: 'override',
      });
      expect(withOverrides.lookup('aws', 'claude-3-haiku-20240307')?.source).toBe('catalog');
    });

    it('price models the catalog does not know', () => {
      expect(withOverrides.lookup(undefined, 'my-finetune')).toEqual({ inputPerMTok: 0, outputPerMTok: 0, source: 'override' });
    });

    it.each([
      ['input_per_mtok', { input_per_mtok: -1, output_per_mtok: 1 }],
      ['output_per_mtok', { input_per_mtok: 1, output_per_mtok: Number.NaN }],
      ['output_per_mtok', { input_per_mtok: 1, output_per_mtok: Number.POSITIVE_INFINITY }],
      ['cached_input_per_mtok', { input_per_mtok: 1, output_per_mtok: 1, cached_input_per_mtok: -0.1 }],
      ['input_per_mtok', { input_per_mtok: '1', output_per_mtok: 1 }],
    ])('rejects an invalid %s naming the model', (field, override) => {
      const build = () => new PriceCatalog({ overrides: { 'acme-large': override as never } });
      expect(build).toThrow(InvalidPriceOverrideError);
      expect(build).toThrow(`pricing.overrides["acme-large"].${field}`);
    });
  });
});
