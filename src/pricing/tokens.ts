import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { TextCache } from '../detectors/text/text-cache.js';

export interface TokenCount {
  tokens: number;
  /** True when the model's tokenizer is not public and the count is an estimate. */
  approximate: boolean;
}

/**
 * Multiplier on the o200k count for models without a public tokenizer (Anthropic and others).
 * Claude's tokenizer yields roughly 10-20% more tokens than o200k on English text (more on code);
 * budgets reserve worst case, so we take the top of that range: over-reserving is corrected when
 * the reservation settles to the provider's reported usage, under-reserving would overspend.
 */
export const APPROXIMATION_FACTOR = 1.2;

type Encoding = 'o200k_base' | 'cl100k_base';
type Counter = (text: string) => number;

// User text may contain "<|endoftext|>" and friends; the API counts them as plain text, and
// gpt-tokenizer would throw by default. One shared options object: no per-call allocation.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Model id prefixes (lowercase) of OpenAI families, longest first where prefixes overlap. */
const ENCODING_BY_PREFIX: ReadonlyArray<readonly [string, Encoding]> = [
  ['gpt-4o', 'o200k_base'],
  ['gpt-4.1', 'o200k_base'],
  ['gpt-4.5', 'o200k_base'],
  ['gpt-5', 'o200k_base'],
  ['gpt-oss', 'o200k_base'],
  ['gpt-image', 'o200k_base'],
  ['gpt-realtime', 'o200k_base'],
  ['gpt-audio', 'o200k_base'],
  ['chatgpt-4o', 'o200k_base'],
  ['codex-', 'o200k_base'],
  ['omni-moderation', 'o200k_base'],
  ['computer-use', 'o200k_base'],
  ['o1', 'o200k_base'],
  ['o3', 'o200k_base'],
  ['o4', 'o200k_base'],
  ['gpt-4', 'cl100k_base'],
  ['gpt-3.5', 'cl100k_base'],
  ['text-embedding-', 'cl100k_base'],
  ['davinci-002', 'cl100k_base'],
  ['babbage-002', 'cl100k_base'],
];

/** Below this length counting is cheaper than hashing into the cache. */
const MIN_CACHED_LENGTH = 256;
const CACHE_MAX_ENTRIES = 4096;
const CACHE_MAX_CHARS = 8_000_000;

const counters: Record<Encoding, { count: Counter; cache: TextCache<number> }> = {
  o200k_base: { count: (text) => countO200k(text, PLAIN_TEXT), cache: new TextCache<number>(CACHE_MAX_ENTRIES, CACHE_MAX_CHARS) },
  cl100k_base: { count: (text) => countCl100k(text, PLAIN_TEXT), cache: new TextCache<number>(CACHE_MAX_ENTRIES, CACHE_MAX_CHARS) },
};

interface Plan {
  encoding: Encoding;
  approximate: boolean;
}

const APPROXIMATE: Plan = Object.freeze({ encoding: 'o200k_base', approximate: true });
const plans = new Map<string, Plan>();
const MAX_PLANS = 4096;

function planFor(model: string | undefined): Plan {
  if (model === undefined) return APPROXIMATE;
  const known = plans.get(model);
  if (known !== undefined) return known;
  if (plans.size >= MAX_PLANS) plans.clear();
  const plan = resolvePlan(model);
  plans.set(model, plan);
  return plan;
}

function resolvePlan(model: string): Plan {
  let id = model.trim().toLowerCase();
  if (id.startsWith('openai/')) id = id.slice('openai/'.length);
  for (const [prefix, encoding] of ENCODING_BY_PREFIX) {
    if (id.startsWith(prefix)) return Object.freeze({ encoding, approximate: false });
  }
  return APPROXIMATE;
}

function rawCount(encoding: Encoding, text: string): number {
  const { count, cache } = counters[encoding];
  if (text.length < MIN_CACHED_LENGTH) return count(text);
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const tokens = count(text);
  cache.set(text, tokens);
  return tokens;
}

/**
 * Tokens in `text` for `model`. Exact for OpenAI families (o200k_base / cl100k_base); for other
 * models (Anthropic, unknown or missing model) the o200k count x APPROXIMATION_FACTOR, rounded up.
 * Counts the text only, not the per-message framing tokens of the chat format.
 */
export function countTokens(text: string, model: string | undefined): TokenCount {
  const plan = planFor(model);
  const tokens = rawCount(plan.encoding, text);
  return plan.approximate
    ? { tokens: Math.ceil(tokens * APPROXIMATION_FACTOR), approximate: true }
    : { tokens, approximate: false };
}

/** For tests and benchmarks. */
export function clearTokenCountCache(): void {
  for (const { cache } of Object.values(counters)) cache.clear();
}
