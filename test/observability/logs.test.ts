// The pino log of a run whose prompts carry secrets and PII: one JSON line per request with
// its id, decision summaries only, and none of the values, keys or prompts.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicies } from '../../src/engine/engine.js';
import { createLogger } from '../../src/observability/create-logger.js';
import { DEV_KEY, KEYS, type Stack, UPSTREAM_OPENAI_KEY, startStack } from '../gateway/harness.js';
import { scrape, value } from './scrape.js';

const SECRETS = {
  awsKey: 'AKIAZ7QKXJ3MPLW4TRVN',
  email: 'jane.roe@example.org',
  phone: '+1 415 555 0132',
  card: '4111 1111 1111 1111',
  ssn: '536-22-1234',
  endUser: 'alice.private@example.net',
  prompt: 'tell me about the purple elephant conspiracy',
};

const POLICIES = [
  {
    policy_name: 'guard',
    rules: [
      { type: 'secrets', action: 'block' },
      { type: 'pii', action: 'redact' },
      { type: 'content_filter', name: 'no_api_keys', patterns: ['api_key'], action: 'block' },
    ],
  },
];

const lines: string[] = [];
let stack: Stack;
beforeAll(async () => {
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
  stack = await startStack({ policies: compilePolicies(POLICIES), keys: KEYS, logger });
});
afterAll(() => stack.close());

describe('structured logs', () => {
  it('log decision summaries with the request id, never a secret, key, PII value or prompt', async () => {
    const { openai } = stack;
    const blocked = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `deploy with ${SECRETS.awsKey} now` }] }).catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const redacted = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      user: SECRETS.endUser,
      messages: [{ role: 'user', content: `mail ${SECRETS.email}, call ${SECRETS.phone}, card ${SECRETS.card}, ssn ${SECRETS.ssn}. ${SECRETS.prompt}` }],
    });
    expect(redacted.choices[0]?.message.content).not.toContain(SECRETS.email);
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: `${SECRETS.prompt} ${SECRETS.email}` }] });
    for await (const chunk of stream) void chunk;
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `my api_key is ${SECRETS.awsKey.toLowerCase()}` }] }).catch(() => undefined);
    const unauthorized = new OpenAI({ baseURL: `${stack.gateway.url}/v1`, apiKey: 'wk_wrong_key_abcdef0123456789', maxRetries: 0 });
    await unauthorized.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: SECRETS.prompt }] }).catch(() => undefined);
    // One log line per completed request, written where the completion record is reported.
    await stack.recordCount(5);

    expect(lines.length).toBe(5);
    const text = lines.join('');
    for (const leak of [...Object.values(SECRETS), SECRETS.awsKey.toLowerCase(), '5551234', DEV_KEY, 'wk_wrong_key_abcdef0123456789', UPSTREAM_OPENAI_KEY, 'Bearer']) {
      expect(text, leak).not.toContain(leak);
    }
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(entry.requestId).toMatch(/^req_[0-9a-f]{24}$/);
      expect(typeof entry.time).toBe('string');
      expect(['info', 'warn']).toContain(entry.level);
      expect(entry.reason).toBeUndefined();
    }
    const ids = new Set(entries.map((e) => e.requestId));
    expect(ids.size).toBe(5);

    const block = entries.find((e) => e.rule === 'secrets');
    expect(block).toMatchObject({ level: 'warn', msg: 'request refused', action: 'block', policy: 'guard', status: 403, org: 'acme', keyId: 'key_dev', model: 'gpt-4o-mini', route: 'openai.chat' });
    const modified = entries.find((e) => e.action === 'modify' && e.stream === false);
    expect(modified).toMatchObject({ level: 'info', msg: 'request completed', status: 200, upstream: 'openai', upstreamStatus: 200 });
    expect((modified?.redactions as { entity: string }[]).map((r) => r.entity)).toEqual(expect.arrayContaining(['EMAIL', 'CREDIT_CARD']));
    expect(entries.find((e) => e.stream === true)?.ttftMs).toEqual(expect.any(Number));
    expect(entries.find((e) => e.status === 401)).toMatchObject({ errorCode: 'unauthorized', level: 'info' });

    // The same run, as metrics: detections by detector and entity type.
    const { samples } = await scrape(stack.gateway.url);
    expect(value(samples, 'warden_detections_total', { detector: 'pii', entity: 'EMAIL', outcome: 'modify' })).toBe(2);
    expect(value(samples, 'warden_detections_total', { detector: 'secrets', outcome: 'block' })).toBeGreaterThanOrEqual(1);
  });

  it('redacts sensitive keys even when a caller logs them by mistake', () => {
    const out: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void out.push(line) } });
    logger.info({ requestId: 'req_1', headers: { authorization: 'Bearer sk-live' }, apiKey: 'sk-live', nested: { token: 'sk-live' }, messages: [{ content: 'sk-live' }] }, 'oops');
    logger.debug({ requestId: 'req_2' }, 'below the level');
    expect(out).toHaveLength(1);
    expect(out[0]).not.toContain('sk-live');
    expect(JSON.parse(out[0] as string)).toMatchObject({ requestId: 'req_1', level: 'info', service: 'warden' });
  });

  it('refuses an unknown LOG_LEVEL', () => {
    expect(() => createLogger({ level: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});
