// The output stage on a JSON response: read the whole body before choosing the status (a
// block still answers a 403 in the caller's format), restore and judge the assistant's
// texts, and send the body rewritten only where something changed.
import type { ServerResponse } from 'node:http';
import type { TokenUsage } from '../pricing/index.js';
import { GatewayError } from './errors.js';
import type { OutputStage } from './output-stage.js';
import type { WireFormat } from './wire-formats.js';

/** What a response used: tokens, and the tool calls it made (for the loop breaker). */
export interface Metered {
  usage: TokenUsage | undefined;
  toolCalls: number;
}

export interface CheckedJsonResult extends Metered {
  status: number;
}

/** Applies the stage to a JSON body; returns the text to send, or the block to answer. */
export function checkJson(stage: OutputStage, text: string): { body: string } | { block: GatewayError } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON although the upstream said 2xx: nothing can be located in it, so fail closed.
    return { block: new GatewayError(502, 'upstream_error', 'the upstream answered a body that is not JSON; it was not relayed because responses are checked') };
  }
  const slots = stage.wire.jsonSlots(body);
  if (!slots.length) return { body: text };
  const texts = slots.map((s) => s.text);
  const block = stage.judge(texts);
  if (block) return { block };
  let changed = false;
  slots.forEach((slot, i) => {
    const next = texts[i] as string;
    if (next !== slot.text) {
      slot.set(next);
      changed = true;
    }
  });
  return { body: changed ? JSON.stringify(body) : text };
}

/**
 * Reads a successful JSON response whole, checks it and answers: the (rewritten) body with
 * the upstream's status, or the block in the caller's wire format. Usage is read from the
 * upstream's body either way: a blocked answer was still produced, and billed.
 */
export async function relayCheckedJson(
  body: AsyncIterable<Buffer>,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  wire: WireFormat,
  stage: OutputStage,
  meter: (text: string) => Metered,
): Promise<CheckedJsonResult> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk);
  } catch {
    throw new GatewayError(502, 'upstream_error', 'the upstream response ended before its body was complete');
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const used = meter(text);
  const checked = checkJson(stage, text);
  if ('block' in checked) {
    const { block } = checked;
    const payload = JSON.stringify(wire.errorBody({ status: block.status, message: block.message, code: block.code, warden: stage.wardenRecord(), requestId: stage.requestId }));
    res.writeHead(block.status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
    return { status: block.status, ...used };
  }
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(checked.body) }).end(checked.body);
  return { status, ...used };
}
