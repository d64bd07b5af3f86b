import { type WardenOptions, wrapClient } from './wrap.js';

const ANTHROPIC_HOOKS = {
  'messages.create': 'anthropic.messages',
  'messages.stream': 'anthropic.messages',
  'messages.countTokens': 'anthropic.count_tokens',
} as const;

/**
 * Wraps an official `@anthropic-ai/sdk` client: `messages.create` and `messages.stream`
 * run Warden's policies first. A refused call throws PolicyViolationError before any
 * network call.
 */
export function wrapAnthropic<T extends object>(client: T, options: WardenOptions = {}): T {
  return wrapClient(client, ANTHROPIC_HOOKS, options);
}
