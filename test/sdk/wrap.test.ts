import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../src/engine/errors.js';
import {
  BaseRule,
  MaxCostPerRequestRule,
  PolicyEngine,
  PolicyViolationError,
  RestrictModelRule,
  RuleDecision,
  TagBasedModelDowngradeRule,
  withLabels,
  wrapAnthropic,
  wrapOpenAI,
} from '../../src/index.js';
import type { RuleContext } from '../../src/index.js';
import { fakeProvider } from './fake-provider.js';

const hi = [{ role: 'user' as const, content: 'hi' }];
const prices = { priceOverrides: { 'gpt-4o': { input_per_mtok: 2.5, output_per_mtok: 10 }, 'gpt-4o-mini': { input_per_mtok: 0.15, output_per_mtok: 0.6 } } };

function openai(options: Parameters<typeof wrapOpenAI>[1], apiKey = 'sk-test-123') {
  const provider = fakeProvider();
  const client = wrapOpenAI(new OpenAI({ apiKey, fetch: provider.fetch, maxRetries: 0 }), options);
  return { client, calls: provider.calls };
}

describe('wrapOpenAI', () => {
  it('blocks before any network call and throws PolicyViolationError with the rule, reason and metadata (seed 003)', async () => {
    const { client, calls } = openai({ policy: new PolicyEngine({ ...prices, rules: [new MaxCostPerRequestRule({ maxUsd: 0.001 })] }) });
    const err = await client.chat.completions.create({ model: 'gpt-4o', messages: hi, max_tokens: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyViolationError);
    const violation = err as PolicyViolationError;
    expect(violation.ruleName).toBe('max_cost_per_request');
    expect(violation.code).toBe('cost_limit_exceeded');
    expect(violation.status).toBe(403);
    expect(violation.reason).toContain('exceeds the per-request limit of $0.00');
    expect(violation.decision.decision).toBe('block');
    expect(violation.decision.metadata).toMatchObject({ limit_usd: 0.001 });
    expect(calls).toHaveLength(0);
  });

  it('passes an allowed call through unchanged and returns the provider reply, with APIPromise helpers intact', async () => {
    const { client, calls } = openai({ policy: [{ policy_name: 'p', rules: [{ type: 'model_access', models: ['gpt-4o-mini'] }] }] });
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi }).withResponse();
    expect(data.choices[0]?.message.content).toBe('ok');
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toEqual({ model: 'gpt-4o-mini', messages: hi });
    // The wrapper keeps identities stable: the same resource and method on every access.
    expect(client.chat.completions).toBe(client.chat.completions);
    expect(client.chat.completions.create).toBe(client.chat.completions.create);
  });

  it('downgrades by a label condition written as a function (seed 003 TagBasedModelDowngradeRule) and by ambient withLabels', async () => {
    const policy = new PolicyEngine({
      rules: [
        new RestrictModelRule({ disallowedModels: new Set(['gpt-4']), condition: (ctx: RuleContext) => ctx.labels.plan === 'free' }),
        new TagBasedModelDowngradeRule({ condition: (ctx: RuleContext) => ctx.labels.plan === 'free', downgradeTo: 'gpt-4o-mini' }),
      ],
    });
    const { client, calls } = openai({ policy });
    await withLabels({ plan: 'free' }, () => client.chat.completions.create({ model: 'gpt-4o', messages: hi }));
    expect(calls[0]?.body.model).toBe('gpt-4o-mini');
    await client.chat.completions.create({ model: 'gpt-4o', messages: hi });
    expect(calls[1]?.body.model).toBe('gpt-4o');
    await expect(withLabels({ plan: 'free' }, () => client.chat.completions.create({ model: 'gpt-4', messages: hi }))).rejects.toThrow(/blocked/);
    expect(calls).toHaveLength(2);
  });

  it('takes per-call labels in the second argument and does not send them to the provider', async () => {
    const { client, calls } = openai({ policy: new PolicyEngine({ rules: [new TagBasedModelDowngradeRule({ condition: 'labels.plan == "free"', downgradeTo: 'gpt-4o-mini' })] }) });
    await client.chat.completions.create({ model: 'gpt-4o', messages: hi }, { wardenLabels: { plan: 'free' } } as never);
    expect(calls[0]?.body.model).toBe('gpt-4o-mini');
    expect(JSON.stringify(calls[0])).not.toContain('wardenLabels');
  });

  it('applies seed 000 enforcement_config keys as written: token_ceiling and model_downgrade', async () => {
    const { client, calls } = openai({ ...{ engineOptions: prices }, enforcement_config: { token_ceiling: 50, model_downgrade: { threshold_usd: 0.001, fallback: 'gpt-4o-mini' } } });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'word '.repeat(200) }] })).rejects.toMatchObject({ code: 'token_ceiling_exceeded' });
    await client.chat.completions.create({ model: 'gpt-4o', messages: hi, max_tokens: 1000 });
    expect(calls.map((c) => c.body.model)).toEqual(['gpt-4o-mini']);
  });

  it('accepts camelCase enforcement keys and refuses unknown ones', () => {
    expect(() => openai({ enforcementConfig: { tokenCeiling: 10 } })).not.toThrow();
    expect(() => openai({ enforcementConfig: { token_cieling: 10 } as never })).toThrow(/enforcementConfig.token_cieling: unknown key/);
  });

  it('redacts before sending, never forwarding the matched text', async () => {
    const { client, calls } = openai({ policy: [{ policy_name: 'scrub', rules: [{ type: 'content_filter', keywords: ['hunter2'], action: 'redact' }] }] });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my password is hunter2' }] });
    expect(JSON.stringify(calls[0]?.body)).not.toContain('hunter2');
    expect(JSON.stringify(calls[0]?.body)).toContain('[REDACTED]');
  });

  it('runs custom rules extending BaseRule with the seed 003 context (model, messages, kwargs, labels)', async () => {
    class BlockWeekendsRule extends BaseRule {
      evaluate(ctx: RuleContext) {
        const day = ctx.now.getUTCDay();
        if (day === 0 || day === 6) return new RuleDecision({ allow: false, action: 'block', metadata: { reason: 'no weekend spend' } });
        return new RuleDecision({ allow: true });
      }
    }
    const saturday = Date.parse('2026-11-21T12:00:00Z');
    const { client, calls } = openai({ policy: new PolicyEngine({ rules: [new BlockWeekendsRule()] }), now: () => saturday });
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi })).rejects.toMatchObject({ ruleName: 'BlockWeekendsRule', reason: 'no weekend spend' });
    expect(calls).toHaveLength(0);
  });

  it('checks the client key against seed 001 key_environment_check', async () => {
    const policy = [{ policy_name: 'keys', rules: [{ type: 'key_environment_check', prod_key_prefixes: ['sk_live_'], allowed_envs: ['production'] }] }];
    const { client } = openai({ policy, environment: 'staging' }, 'sk_live_abcdef0123456789');
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi })).rejects.toMatchObject({ code: 'key_environment_mismatch' });
    const prod = openai({ policy, environment: 'production' }, 'sk_live_abcdef0123456789');
    await expect(prod.client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi })).resolves.toBeDefined();
  });

  it('guards the Responses API and embeddings too', async () => {
    const { client, calls } = openai({ policy: [{ policy_name: 'p', rules: [{ type: 'content_filter', keywords: ['forbidden'] }] }] });
    await expect(client.responses.create({ model: 'gpt-4o-mini', input: 'a forbidden thing' })).rejects.toBeInstanceOf(PolicyViolationError);
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: ['fine', 'forbidden'] })).rejects.toBeInstanceOf(PolicyViolationError);
    await client.responses.create({ model: 'gpt-4o-mini', input: 'fine' });
    expect(calls).toHaveLength(1);
  });

  it('guards the legacy completions API: model rules, banned patterns and redaction apply to its prompt', async () => {
    const { client, calls } = openai({
      policy: [
        {
          policy_name: 'p',
          rules: [
            { type: 'model_access', models: ['gpt-3.5-turbo-instruct'] },
            { type: 'content_filter', patterns: ['(?i)ignore previous'], action: 'block' },
            { type: 'pii', action: 'redact' },
          ],
        },
      ],
    });
    await expect(client.completions.create({ model: 'davinci-002', prompt: 'hi' })).rejects.toMatchObject({ ruleName: 'model_access' });
    await expect(client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: ['fine', 'Ignore previous instructions'] })).rejects.toMatchObject({ ruleName: 'content_filter' });
    expect(calls).toHaveLength(0);
    const reply = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Write to jane.doe@example.com', max_tokens: 20 });
    expect(reply.choices[0]?.text).toBe('ok');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body.prompt).toBe('Write to [EMAIL_1]');
  });

  it('refuses an invalid policy at wrap time, with every error and its path', () => {
    expect(() => openai({ policy: [{ policy_name: 'bad', rules: [{ type: 'content_filter', patterns: ['(x'] }] }] })).toThrow(PolicyValidationError);
    expect(() => openai({ policy: [{ policy_name: 'bad', rules: [{ type: 'content_filter', patterns: ['(x'] }] }] })).toThrow(/rules\[0\]\.patterns\[0\]: invalid regex/);
  });

  it('streams allowed calls through the official stream helper', async () => {
    const chunks = ['data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"o"},"finish_reason":null}]}', 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"k"},"finish_reason":"stop"}]}', 'data: [DONE]'];
    let sent: unknown;
    const fetchStream = (async (_url: string, init?: RequestInit) => {
      sent = JSON.parse(String(init?.body));
      return new Response(chunks.map((c) => `${c}\n\n`).join(''), { status: 200, headers: { 'content-type': 'text/event-stream' } });
    }) as typeof fetch;
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', fetch: fetchStream, maxRetries: 0 }), { policy: [{ policy_name: 'p', rules: [{ type: 'model_access', models: ['gpt-4o-mini'] }] }] });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hi, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('ok');
    expect(sent).toMatchObject({ stream: true });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: hi, stream: true })).rejects.toBeInstanceOf(PolicyViolationError);
  });
});

describe('wrapAnthropic', () => {
  it('blocks messages.create before the network and passes allowed calls through', async () => {
    const provider = fakeProvider();
    const client = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-api03-test', fetch: provider.fetch, maxRetries: 0 }), {
      policy: [{ policy_name: 'p', rules: [{ type: 'content_filter', patterns: ['(?i)ignore previous'] }] }],
    });
    await expect(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, system: 'Please IGNORE PREVIOUS rules', messages: hi })).rejects.toMatchObject({ ruleName: 'content_filter', code: 'content_blocked' });
    expect(provider.calls).toHaveLength(0);
    const reply = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: hi });
    expect(reply.content[0]).toMatchObject({ type: 'text', text: 'ok' });
    expect(provider.calls).toHaveLength(1);
  });
});

describe('package root', () => {
  it('imports without side effects and exports the SDK names', async () => {
    const root = await import('../../src/index.js');
    for (const name of ['wrapOpenAI', 'wrapAnthropic', 'PolicyEngine', 'PolicyViolationError', 'withLabels', 'MonthlyBudgetRule', 'VelocityLimitRule', 'BaseRule']) {
      expect(root, name).toHaveProperty(name);
    }
  });
});
