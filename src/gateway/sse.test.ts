import { describe, expect, it } from 'vitest';
import { SseSplitter } from './sse.js';

describe('SseSplitter', () => {
  it('yields whole events across chunk and UTF-8 boundaries', () => {
    const text = 'event: a\ndata: {"x":"é"}\n\ndata: [DONE]\r\n\r\n';
    const bytes = Buffer.from(text);
    const splitter = new SseSplitter();
    const events = [];
    for (let i = 0; i < bytes.length; i++) events.push(...splitter.push(bytes.subarray(i, i + 1)));
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ['a', '{"x":"é"}'],
      [undefined, '[DONE]'],
    ]);
    expect(events.map((e) => e.raw).join('')).toBe(text);
    expect(splitter.end()).toBe('');
  });
});
