import { type WardenOptions, wrapClient } from './wrap.js';

// `messages.stream`, `messages.parse` and their beta twins call `create` on the resource
// they were called on: through the wrapper, that is the checked `create`, so a stream keeps
// its MessageStream type (a refusal arrives as the stream's error) with budgets too.
const ANTHROPIC_HOOKS = {
  'messages.create': 'anthropic.messages',
  'messages.countTokens': 'anthropic.count_tokens',
  'beta.messages.create': 'anthropic.messages',
  'beta.messages.countTokens': 'anthropic.count_tokens',
} as const;

/**
 * Wraps an official `@anthropic-ai/sdk` client: `messages.create`, `messages.stream`,
 * `messages.countTokens` and the same under `beta` run Warden's policies first. A refused
 * call throws PolicyViolationError (a stream emits it as its error) before any network call.
 */
export function wrapAnthropic<T extends object>(client: T, options: WardenOptions = {}): T {
  return wrapClient(client, ANTHROPIC_HOOKS, options);
}
