import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  /** The event's text as received, terminator included, to forward unchanged. */
  raw: string;
  /** The `event:` name, or `undefined`. */
  event: string | undefined;
  /** The joined `data:` lines. */
  data: string;
}

const BOUNDARY = /\r?\n\r?\n/g;

/**
 * Splits a server-sent-event byte stream into whole events as they complete. UTF-8 is
 * decoded across chunk boundaries; only the incomplete tail of a chunk is held back.
 */
export class SseSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';

  push(chunk: Buffer): SseEvent[] {
    this.buffer += this.decoder.write(chunk);
    return this.drain();
  }

  /** Whatever is left at the end of the stream (an unterminated last event). */
  end(): string {
    const rest = this.buffer + this.decoder.end();
    this.buffer = '';
    return rest;
  }

  private drain(): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    BOUNDARY.lastIndex = 0;
    for (let match = BOUNDARY.exec(this.buffer); match; match = BOUNDARY.exec(this.buffer)) {
      const end = match.index + match[0].length;
      events.push(parseEvent(this.buffer.slice(start, end)));
      start = end;
    }
    if (start) this.buffer = this.buffer.slice(start);
    return events;
  }
}

function parseEvent(raw: string): SseEvent {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
    else if (line.startsWith('event:')) event = line.slice(line[6] === ' ' ? 7 : 6).trim();
  }
  return { raw, event, data: data.join('\n') };
}
