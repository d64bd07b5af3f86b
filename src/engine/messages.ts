import type { Message } from './types.js';

/**
 * Returns a copy of the messages with every readable text passed through `rewrite`
 * (string content, text parts, tool-call arguments), or `undefined` if nothing changed.
 */
export function rewriteMessages(messages: readonly Message[], rewrite: (text: string) => string): Message[] | undefined {
  let changed = false;
  const out = messages.map((message): Message => {
    let content = message.content;
    if (typeof content === 'string') {
      const next = rewrite(content);
      if (next !== content) {
        changed = true;
        content = next;
      }
    } else {
      content = content.map((part) => {
        if (part.type !== 'text') return part;
        const next = rewrite(part.text);
        if (next === part.text) return part;
        changed = true;
        return { ...part, text: next };
      });
    }
    const toolCalls = message.toolCalls?.map((call) => {
      const next = rewrite(call.arguments);
      if (next === call.arguments) return call;
      changed = true;
      return { ...call, arguments: next };
    });
    return toolCalls ? { ...message, content, toolCalls } : { ...message, content };
  });
  return changed ? out : undefined;
}
