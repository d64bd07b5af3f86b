import { describe, expect, it } from 'vitest';
import type { PricingPort } from '../../engine/context.js';
import { NOW, compile, policy, request, ruleIssues, tenant } from '../../engine/test-helpers.js';

const decide = (rule: Record<string, unknown>, prompt: string, pricing?: PricingPort) =>
  compile([policy([{ type: 'token_ceiling', ...rule }])], pricing ? { pricing } : {}).decide(request({ prompt }), tenant(), NOW);

describe('token_ceiling config', () => {
  it('requires max_input_tokens', () => {
    expect(ruleIssues({ type: 'token_ceiling' }).map((i) => i.path)).toEqual(['rules[0].max_input_tokens']);
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const bad of [0, -5, 1.5, '8000']) {
      expect(ruleIssues({ type: 'token_ceiling', max_input_tokens: bad }).map((i) => i.path)).toEqual(['rules[0].max_input_tokens']);
    }
  });

  it('refuses an action it does not support', () => {
    expect(ruleIssues({ type: 'token_ceiling', max_input_tokens: 10, action: 'redact' }).map((i) => i.path)).toEqual(['rules[0].action']);
  });
});

describe('token_ceiling evaluation', () => {
  // One message of 40 characters: 3 + 4 + 10 = 17 tokens under the test pricing.
  const prompt = 'x'.repeat(40);

  it('allows a prompt at the ceiling', () => {
    expect(decide({ max_input_tokens: 17 }, prompt).action).toBe('allow');
  });

  it('blocks a prompt over the ceiling, saying by how much', () => {
    const d = decide({ max_input_tokens: 16 }, prompt);
    expect(d).toMatchObject({ action: 'block', code: 'token_ceiling_exceeded', rule: 'token_ceiling' });
    expect(d.reason).toBe('prompt has 17 tokens, over the ceiling of 16');
    expect(d.outcomes[0]?.metadata).toEqual({ input_tokens: 17, limit: 16 });
  });

  it('says when the count is approximate', () => {
    const approximate: PricingPort = {
      price: () => undefined,
      countTokens: (t) => ({ tokens: Math.ceil(t.length / 4), approximate: true }),
    };
    expect(decide({ max_input_tokens: 16 }, prompt, approximate).reason).toBe('prompt has 17 tokens (approximate count), over the ceiling of 16');
  });

  it('counts every message and tool-call argument', () => {
    const set = compile([policy([{ type: 'token_ceiling', max_input_tokens: 30 }])]);
    const req = request({
      messages: [
        { role: 'system', content: 'x'.repeat(40) },
        { role: 'assistant', content: '', toolCalls: [{ name: 'search', arguments: 'y'.repeat(40) }] },
      ],
    });
    // 3 + 2 * 4 + 10 + 10 = 31
    expect(set.decide(req, tenant(), NOW).reason).toBe('prompt has 31 tokens, over the ceiling of 30');
  });

  it('with action flag allows the call and records the flag', () => {
    const d = decide({ max_input_tokens: 16, action: 'flag' }, prompt);
    expect(d.action).toBe('allow');
    expect(d.outcomes[0]).toMatchObject({ outcome: 'flag', code: 'token_ceiling_exceeded' });
  });

  it('does not need a price: an unknown model is still counted', () => {
    const d = compile([policy([{ type: 'token_ceiling', max_input_tokens: 16 }])]).decide(request({ prompt, model: 'no-such-model' }), tenant(), NOW);
    expect(d.code).toBe('token_ceiling_exceeded');
  });

  it("decides from the texts' byte lengths, without tokenizing, when that bound is within the ceiling", () => {
    let counted = 0;
    const counting: PricingPort = {
      price: () => undefined,
      countTokens: (t) => {
        counted++;
        return { tokens: t.length, approximate: false };
      },
    };
    // 40 ASCII bytes: at most ceil(40 * 1.2) + 3 + 4 = 55 tokens by bytes, 151 by 3 bytes a character.
    expect(decide({ max_input_tokens: 55 }, prompt, counting).action).toBe('allow');
    expect(counted).toBe(0);
    // Under the byte bound, the count decides: 40 + 7 tokens are within 54.
    expect(decide({ max_input_tokens: 54 }, prompt, counting).action).toBe('allow');
    expect(counted).toBe(1);
  });
});
