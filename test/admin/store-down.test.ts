// When the store cannot be reached, a stored key cannot be checked: the gateway fails
// closed with a retryable 503, never lets the call through.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startAdminStack } from './admin-harness.js';

describe('store unavailable', () => {
  it('answers 503 store_unavailable for a key it cannot look up', async () => {
    const stack = await startAdminStack();
    try {
      const created = await stack.api('POST', '/api/v1/keys', OPERATOR_TOKEN, { name: 'k' });
      await stack.control.registry.close();
      await stack.control.store.close();
      const before = stack.mock.requests.length;
      const err = await stack.openai(created.json.key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect(stack.mock.requests.length).toBe(before);
    } finally {
      await stack.gateway.close();
      await stack.mock.close();
    }
  });
});
