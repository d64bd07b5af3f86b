// Gateway.close() as a drain: calls in flight finish within drainMs, longer ones are cut,
// `/readyz` reports draining, and a held approval is answered at once.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { BoundedLabel } from '../../src/observability/bounded-label.js';
import { startStack } from '../gateway/harness.js';
import { scrape, value } from './scrape.js';

describe('Gateway.close() drain', () => {
  it('lets a stream finish within drainMs and cuts one that runs longer', async () => {
    const stack = await startStack({ drainMs: 400 });
    try {
      stack.mock.behavior = { chunkDelayMs: 40 };
      const short = await stack.openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'a b c' }] });
      const it1 = short[Symbol.asyncIterator]();
      await it1.next();
      const closing = stack.gateway.close();
      let text = '';
      for (let next = await it1.next(); !next.done; next = await it1.next()) text += next.value.choices[0]?.delta.content ?? '';
      expect(text).toBe('Echo: a b c');
      await closing;
    } finally {
      await stack.mock.close();
    }

    const slow = await startStack({ drainMs: 200 });
    try {
      slow.mock.behavior = { chunkDelayMs: 300 };
      const stream = await slow.openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'one two three four five' }] });
      const chunks = stream[Symbol.asyncIterator]();
      await chunks.next();
      const started = performance.now();
      const closing = slow.gateway.close();
      const drained = (async () => {
        for (let next = await chunks.next(); !next.done; next = await chunks.next());
      })();
      await expect(drained).rejects.toBeInstanceOf(Error);
      await closing;
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      await slow.mock.close();
    }
  });

  it('answers a held approval 503 at the start of the drain instead of waiting for it', async () => {
    const stack = await startStack({ adminToken: 'admin-token-0123456789', drainMs: 10_000 });
    try {
      const call = stack.openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'expensive' }] }).catch((e: unknown) => e);
      await stack.gateway.approvals?.whenHeld(1);
      expect(value((await scrape(stack.gateway.url)).samples, 'warden_approvals_pending')).toBe(1);
      const started = performance.now();
      await stack.gateway.close();
      expect(performance.now() - started).toBeLessThan(2_000);
      const err = await call;
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    } finally {
      await stack.mock.close();
    }
  });
});

describe('BoundedLabel', () => {
  it('admits the first N names and maps the rest, odd characters and refusals to other', () => {
    const label = new BoundedLabel(2);
    expect(label.value('gpt-4o')).toBe('gpt-4o');
    expect(label.value('claude-sonnet-4-5', false)).toBe('other');
    expect(label.value('my email is a@b.c and more')).toBe('other');
    expect(label.value('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(label.value('gpt-5')).toBe('other');
    expect(label.value('gpt-4o')).toBe('gpt-4o');
    expect(label.value(undefined)).toBe('none');
  });
});
