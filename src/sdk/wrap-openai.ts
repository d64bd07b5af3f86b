import { type WardenOptions, wrapClient } from './wrap.js';

const OPENAI_HOOKS = {
  'chat.completions.create': 'openai.chat',
  'responses.create': 'openai.responses',
  'embeddings.create': 'openai.embeddings',
  'completions.create': 'openai.completions',
} as const;

/**
 * Wraps an official `openai` client: `chat.completions.create`, `responses.create`,
 * `embeddings.create` and the legacy `completions.create` (streamed or not) run Warden's
 * policies first, and so do the client's
 * helpers built on them (`chat.completions.parse`, `.stream`, `.runTools`, `responses.parse`,
 * `.stream`). A refused call throws
 * PolicyViolationError before any network call: the provider is never reached or billed.
 */
export function wrapOpenAI<T extends object>(client: T, options: WardenOptions = {}): T {
  return wrapClient(client, OPENAI_HOOKS, options);
}
