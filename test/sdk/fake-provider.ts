// An injected `fetch` for the official clients: records what would be sent and answers
// with minimal, valid provider JSON. No network. `calls` lets a test prove that a refused
// call never reached the provider.
export interface CapturedCall {
  url: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

function reply(url: string, body: Record<string, unknown>): unknown {
  const model = String(body.model ?? 'unknown');
  if (url.endsWith('/chat/completions')) {
    return {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    };
  }
  if (url.endsWith('/completions')) {
    return {
      id: 'cmpl-fake',
      object: 'text_completion',
      created: 1,
      model,
      choices: [{ index: 0, text: 'ok', finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
    };
  }
  if (url.endsWith('/responses')) {
    return {
      id: 'resp_fake',
      object: 'response',
      created_at: 1,
      model,
      status: 'completed',
      output: [{ type: 'message', id: 'msg_fake', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'ok', annotations: [] }] }],
      usage: { input_tokens: 5, output_tokens: 1, total_tokens: 6 },
    };
  }
  if (url.endsWith('/embeddings')) {
    return { object: 'list', model, data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], usage: { prompt_tokens: 2, total_tokens: 2 } };
  }
  if (url.endsWith('/messages/count_tokens')) return { input_tokens: 5 };
  if (url.endsWith('/messages')) {
    return {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 1 },
    };
  }
  throw new Error(`fake provider: no reply for ${url}`);
}

export function fakeProvider(): { fetch: typeof fetch; calls: CapturedCall[] } {
  const calls: CapturedCall[] = [];
  const fake = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    calls.push({ url, body, headers });
    return new Response(JSON.stringify(reply(url, body)), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetch: fake, calls };
}
