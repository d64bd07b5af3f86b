// The output stage on an SSE stream. Each text block (a choice, a content block, a tool
// call's arguments) gets its own stream scanner with a hold-back window, so a secret split
// across events is still seen whole; deltas are rewritten in place with what is safe to
// send, and the held-back text goes out in an extra delta just before the event that ends
// the block. A block ends the stream with an error event in the provider's format.
import { createStreamScanner } from '../detectors/index.js';
import type { StreamScanner, StreamStep } from '../detectors/index.js';
import type { GatewayError } from './errors.js';
import { type OutputStage, StreamRestorer } from './output-stage.js';
import type { SseEvent } from './sse.js';

export type StreamFilterResult = { out: string } | { block: GatewayError };

interface Template {
  event: string | undefined;
  data: unknown;
}

class Channel {
  private readonly restorer: StreamRestorer;
  private readonly scanner: StreamScanner | undefined;
  /** SSE event index of each push, to name the chunk a finding arrived in. */
  private readonly pushes: number[] = [];
  original = '';
  emitted = '';
  closed = false;
  template: Template | undefined;

  constructor(private readonly stage: OutputStage) {
    this.restorer = new StreamRestorer(stage);
    if (stage.holdBack > 0) this.scanner = createStreamScanner(stage.scanner, { holdBack: stage.holdBack, redact: stage.redacts, state: stage.state });
  }

  push(text: string, eventIndex: number): string | GatewayError {
    this.original += text;
    this.pushes.push(eventIndex);
    const restored = this.restorer.push(text);
    return this.out(this.scanner ? this.scanner.push(restored) : { emit: restored, findings: [] }, eventIndex);
  }

  end(eventIndex: number): string | GatewayError {
    this.closed = true;
    const rest = this.restorer.end();
    if (!this.scanner) return this.out({ emit: rest, findings: [] }, eventIndex);
    const last = this.scanner.push(rest);
    const tail = this.scanner.end();
    return this.out({ emit: last.emit + tail.emit, findings: [...last.findings, ...tail.findings] }, eventIndex);
  }

  private out(step: StreamStep, eventIndex: number): string | GatewayError {
    if (step.findings.length) {
      const first = step.findings[0];
      const chunk = first && first.chunk < this.pushes.length ? (this.pushes[first.chunk] as number) : eventIndex;
      const block = this.stage.note(step.findings, chunk);
      if (block) return block;
    }
    this.emitted += step.emit;
    return step.emit;
  }
}

/** Matches a channel against what an event closes (exact names, or prefixes ending in `:`). */
function closing(closes: readonly string[] | 'all', channel: string): boolean {
  if (closes === 'all') return true;
  return closes.some((c) => c === channel || (c.endsWith(':') && channel.startsWith(c)));
}

function serialize(event: string | undefined, data: unknown): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

export class OutputStreamFilter {
  private readonly channels = new Map<string, Channel>();
  /** Original whole text -> what was streamed instead, for events that repeat texts. */
  private readonly replaced = new Map<string, string>();
  private index = -1;

  constructor(private readonly stage: OutputStage) {}

  event(e: SseEvent): StreamFilterResult {
    this.index++;
    if (e.data === '[DONE]') return this.prefixed(this.close('all'), e.raw);
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      return { out: e.raw };
    }
    const { wire } = this.stage;
    const closes = wire.closes(e.event, data);
    const deltas = wire.deltas(e.event, data);
    let changed = false;
    for (const d of deltas) {
      let channel = this.channels.get(d.channel);
      if (!channel) {
        channel = new Channel(this.stage);
        this.channels.set(d.channel, channel);
      }
      channel.template = { event: e.event, data: structuredClone(data) };
      let text = channel.push(d.text, this.index);
      if (typeof text !== 'string') return { block: text };
      if (closing(closes, d.channel)) {
        const rest = channel.end(this.index);
        if (typeof rest !== 'string') return { block: rest };
        text += rest;
        this.remember(channel);
      }
      if (text !== d.text) {
        d.set(text);
        changed = true;
      }
    }
    const before = this.close(closes);
    if (typeof before !== 'string') return { block: before };
    if (wire.repeatsText && this.replaced.size && !deltas.length) changed = this.replaceRepeated(data) || changed;
    return { out: before + (changed ? serialize(e.event, data) : e.raw) };
  }

  /** The stream ended: whatever is still held goes out. */
  end(): StreamFilterResult {
    return this.prefixed(this.close('all'), '');
  }

  private prefixed(before: string | GatewayError, raw: string): StreamFilterResult {
    return typeof before === 'string' ? { out: before + raw } : { block: before };
  }

  /** Ends the channels an event closes; their held text as extra delta events. */
  private close(closes: readonly string[] | 'all'): string | GatewayError {
    let out = '';
    for (const [name, channel] of this.channels) {
      if (channel.closed || !closing(closes, name)) continue;
      const rest = channel.end(this.index);
      if (typeof rest !== 'string') return rest;
      this.remember(channel);
      if (rest && channel.template) out += this.synth(name, channel.template, rest);
    }
    return out;
  }

  /** A delta event for `channel` shaped like its last one, carrying `text`. */
  private synth(channel: string, template: Template, text: string): string {
    const data = structuredClone(template.data);
    for (const d of this.stage.wire.deltas(template.event, data)) d.set(d.channel === channel ? text : '');
    return serialize(template.event, data);
  }

  private remember(channel: Channel): void {
    if (this.stage.wire.repeatsText && channel.original !== channel.emitted) this.replaced.set(channel.original, channel.emitted);
  }

  /** Rewrites repeated whole texts (Responses `output_text.done`, `response.completed`, ...). */
  private replaceRepeated(value: unknown): boolean {
    let changed = false;
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => {
          if (typeof item === 'string' && this.replaced.has(item)) {
            node[i] = this.replaced.get(item);
            changed = true;
          } else visit(item);
        });
      } else if (typeof node === 'object' && node !== null) {
        const obj = node as Record<string, unknown>;
        for (const [key, item] of Object.entries(obj)) {
          if (typeof item === 'string' && this.replaced.has(item)) {
            obj[key] = this.replaced.get(item);
            changed = true;
          } else visit(item);
        }
      }
    };
    visit(value);
    return changed;
  }
}
