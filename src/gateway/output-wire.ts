// Where the assistant's text sits in each response wire format, as data the output stage
// reads: the texts of a JSON body, and the text deltas of an SSE stream with the events
// that close them. One entry per route; nothing else in the output stage knows a provider.

/** One text of a JSON response, readable and replaceable. */
export interface TextSlot {
  readonly text: string;
  set(text: string): void;
}

/** One piece of streamed text: `channel` names the block it belongs to (choice, content index, ...). */
export interface StreamDelta {
  readonly channel: string;
  readonly text: string;
  set(text: string): void;
}

export interface OutputWire {
  /** The assistant's texts in a JSON response (message text and tool-call arguments). */
  jsonSlots(body: unknown): TextSlot[];
  /** The text deltas one SSE event carries. */
  deltas(event: string | undefined, data: unknown): StreamDelta[];
  /**
   * Channels an event ends (held-back text must go out before it): exact channel names or
   * prefixes ending in `:`; `all` for the end of the message.
   */
  closes(event: string | undefined, data: unknown): readonly string[] | 'all';
  /** True when later events repeat whole texts (Responses `*.done`): they are rewritten to what was streamed. */
  readonly repeatsText: boolean;
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}

/** A string field as a slot. */
function field(obj: Obj, key: string): TextSlot[] {
  const value = obj[key];
  if (typeof value !== 'string') return [];
  return [{ text: value, set: (text) => (obj[key] = text) }];
}

/** An object field (Anthropic `tool_use.input`) as its JSON text; a redacted text that no longer parses stays text. */
function jsonField(obj: Obj, key: string): TextSlot[] {
  if (!isObj(obj[key])) return [];
  return [
    {
      text: JSON.stringify(obj[key]),
      set: (text) => {
        try {
          obj[key] = JSON.parse(text);
        } catch {
          obj[key] = text;
        }
      },
    },
  ];
}

function delta(channel: string, obj: Obj, key: string): StreamDelta[] {
  const value = obj[key];
  if (typeof value !== 'string') return [];
  return [{ channel, text: value, set: (text) => (obj[key] = text) }];
}

const openAiChat: OutputWire = {
  jsonSlots: (body) =>
    list(isObj(body) ? body.choices : undefined).flatMap((choice) => {
      const message = isObj(choice.message) ? choice.message : undefined;
      if (!message) return [];
      const calls = list(message.tool_calls).flatMap((call) => (isObj(call.function) ? field(call.function, 'arguments') : []));
      return [...field(message, 'content'), ...calls];
    }),
  deltas: (_event, data) =>
    list(isObj(data) ? data.choices : undefined).flatMap((choice) => {
      const d = isObj(choice.delta) ? choice.delta : undefined;
      if (!d) return [];
      const index = String(choice.index ?? 0);
      const calls = list(d.tool_calls).flatMap((call) => (isObj(call.function) ? delta(`${index}:tool${String(call.index ?? 0)}`, call.function, 'arguments') : []));
      return [...delta(index, d, 'content'), ...calls];
    }),
  closes: (_event, data) =>
    list(isObj(data) ? data.choices : undefined)
      .filter((choice) => choice.finish_reason !== null && choice.finish_reason !== undefined)
      .flatMap((choice) => [String(choice.index ?? 0), `${String(choice.index ?? 0)}:`]),
  repeatsText: false,
};

const openAiResponses: OutputWire = {
  jsonSlots: (body) =>
    list(isObj(body) ? body.output : undefined).flatMap((item) => {
      if (item.type === 'function_call') return field(item, 'arguments');
      return list(item.content).flatMap((part) => (part.type === 'output_text' ? field(part, 'text') : []));
    }),
  deltas: (event, data) => {
    if (!isObj(data)) return [];
    if (event === 'response.output_text.delta') return delta(`${String(data.item_id)}:${String(data.content_index ?? 0)}`, data, 'delta');
    if (event === 'response.function_call_arguments.delta') return delta(`${String(data.item_id)}:args`, data, 'delta');
    return [];
  },
  closes: (event, data) => {
    if (!isObj(data)) return [];
    if (event === 'response.output_text.done') return [`${String(data.item_id)}:${String(data.content_index ?? 0)}`];
    if (event === 'response.function_call_arguments.done') return [`${String(data.item_id)}:args`];
    if (event === 'response.completed' || event === 'response.incomplete' || event === 'response.failed') return 'all';
    return [];
  },
  repeatsText: true,
};

const anthropicMessages: OutputWire = {
  jsonSlots: (body) =>
    list(isObj(body) ? body.content : undefined).flatMap((block) => {
      if (block.type === 'text') return field(block, 'text');
      if (block.type === 'tool_use') return jsonField(block, 'input');
      return [];
    }),
  deltas: (event, data) => {
    if (event !== 'content_block_delta' || !isObj(data) || !isObj(data.delta)) return [];
    const channel = String(data.index ?? 0);
    if (data.delta.type === 'text_delta') return delta(channel, data.delta, 'text');
    if (data.delta.type === 'input_json_delta') return delta(channel, data.delta, 'partial_json');
    return [];
  },
  closes: (event, data) => {
    if (event === 'content_block_stop' && isObj(data)) return [String(data.index ?? 0)];
    if (event === 'message_stop') return 'all';
    return [];
  },
  repeatsText: false,
};

/** By route id; routes without assistant text (embeddings, token counting) have none. */
export const OUTPUT_WIRES: ReadonlyMap<string, OutputWire> = new Map([
  ['openai.chat', openAiChat],
  ['openai.responses', openAiResponses],
  ['anthropic.messages', anthropicMessages],
]);
