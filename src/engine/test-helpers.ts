// Shared builders for engine and rule tests: requests, tenants, exact pricing, and the
// issues of a refused policy. Test-only; nothing in src imports it.
import { type EngineOptions, compilePolicies } from './engine.js';
import type { PricingPort } from './context.js';
import { type PolicyIssue, PolicyValidationError } from './errors.js';
import type { PolicySet } from './policy-set.js';
import type { LlmRequest, Message, Tenant } from './types.js';

/** 2025-01-15T10:30:00Z, a Wednesday (the seed 002 audit example's timestamp). */
export const NOW = Date.parse('2025-01-15T10:30:00Z');
/** 2025-01-18T12:00:00Z, a Saturday. */
export const SATURDAY = Date.parse('2025-01-18T12:00:00Z');

export const TENANT: Tenant = { org: 'acme', team: 'search', user: 'dev@acme.com', keyId: 'key_1', environment: 'development' };

export function tenant(overrides: Partial<Tenant> = {}): Tenant {
  return { ...TENANT, ...overrides };
}

/** A chat request with one user message; `prompt` and `messages` are shortcuts. */
export function request(overrides: Partial<LlmRequest> & { prompt?: string } = {}): LlmRequest {
  const { prompt, ...rest } = overrides;
  return {
    requestId: 'req_abc123',
    provider: 'openai',
    endpoint: 'chat',
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: prompt ?? 'hello' }],
    stream: false,
    labels: {},
    ...rest,
  };
}

export function userMessage(content: string): Message {
  return { role: 'user', content };
}

/**
 * Pricing with exact, catalog-independent numbers: every model in `prices` (USD per
 * million tokens, [input, output]) is known; any other model has no price. Tokens are
 * `ceil(length / 4)` per text, so a test can compute its expected cost by hand:
 * input tokens = 3 + 4 per message + ceil(len/4) per text.
 */
export function fixedPricing(prices: Record<string, readonly [number, number]> = { 'gpt-4o-mini': [1, 2] }): PricingPort {
  return {
    price: (_provider, model) => {
      const p = prices[model];
      return p ? { inputPerMTok: p[0], outputPerMTok: p[1], source: 'override' } : undefined;
    },
    countTokens: (text) => ({ tokens: Math.ceil(text.length / 4), approximate: false }),
  };
}

/** Input tokens the engine counts for `messages` under `fixedPricing`. */
export function expectedTokens(messages: readonly Message[]): number {
  let tokens = 3 + 4 * messages.length;
  for (const m of messages) {
    if (typeof m.content === 'string') tokens += Math.ceil(m.content.length / 4);
    else for (const part of m.content) if (part.type === 'text') tokens += Math.ceil(part.text.length / 4);
    for (const call of m.toolCalls ?? []) tokens += Math.ceil(call.arguments.length / 4);
  }
  return tokens;
}

/** One policy document around `rules` (an unscoped, all-environment, enforcing policy by default). */
export function policy(rules: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { policy_name: 'test_policy', ...extra, rules };
}

/** Compiles with exact pricing unless the caller gives pricing of its own. */
export function compile(docs: readonly unknown[], options: EngineOptions = {}): PolicySet {
  return compilePolicies(docs, { pricing: options.priceOverrides ? undefined : fixedPricing(), ...options });
}

/** The issues of a set of documents that must not compile; fails the test if it compiles. */
export function issuesOf(docs: readonly unknown[], options: EngineOptions = {}): readonly PolicyIssue[] {
  try {
    compile(docs, options);
  } catch (err) {
    if (err instanceof PolicyValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected the policy to be refused, but it compiled');
}

/** Issues of a single rule in a single policy. */
export function ruleIssues(rule: unknown, options: EngineOptions = {}): readonly PolicyIssue[] {
  return issuesOf([policy([rule])], options);
}
