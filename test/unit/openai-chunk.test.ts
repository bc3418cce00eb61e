import { describe, expect, test } from '@jest/globals';
import { emptyAsExported, newChunk, readChunk } from '../../src/driver/openai/chunk.js';
import { SseReader } from '../../src/driver/openai/sse.js';
import { outputsAreEmpty, sseChunkIsEmpty } from '../../src/export/outputs.js';

/** Each event of `wire` as the live capture reads it: its kind, and its emptiness as the transport hands it on. */
function live(wire: string): { raw: string; kind: string; empty: boolean | null }[] {
  const out: { raw: string; kind: string; empty: boolean | null }[] = [];
  const chunk = newChunk();
  const reader = new SseReader((ev) => {
    readChunk(ev, chunk);
    out.push({ raw: ev.raw().toString('utf8'), kind: chunk.kind, empty: emptyAsExported(ev, chunk) });
  });
  reader.push(Buffer.from(wire, 'utf8'), 1);
  return out;
}

describe('an event read live and its raw text read back from the export agree on emptiness', () => {
  test.each<[string, string, string, boolean | null]>([
    ['role-only chunk', 'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n', 'empty', true],
    ['content', 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n', 'content', false],
    ['reasoning content', 'data: {"choices":[{"delta":{"reasoning_content":"hm"}}]}\n\n', 'content', false],
    ['completions text', 'data: {"choices":[{"text":" a"}]}\n\n', 'content', false],
    ['empty content', 'data: {"choices":[{"delta":{"content":""},"finish_reason":"stop"}]}\n\n', 'empty', true],
    ['null content', 'data: {"choices":[{"delta":{"content":null}}]}\n\n', 'empty', true],
    ['usage chunk', 'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}\n\n', 'usage', true],
    ['usage without choices', 'data: {"usage":{"completion_tokens":5}}\n\n', 'usage', true],
    ['[DONE]', 'data: [DONE]\n\n', 'done', true],
    ['CRLF, comment and id inside the event', ': ping\r\nid: 4\r\ndata: {"choices":[{"delta":{"content":"x"}}]}\r\n\r\n', 'content', false],
    ['no space after data:', 'data:{"choices":[{"text":"y"}]}\n\n', 'content', false],
    // Not decided live: the capture applies the export's rule to the raw text itself.
    ['two data lines', 'data: {"choices":[{"text":\ndata: "z"}]}\n\n', 'content', null],
    ['not JSON', 'data: hello\n\n', 'other', null],
    ['[DONE] with two spaces', 'data:  [DONE]\n\n', 'other', null],
    ['a JSON string', 'data: "text"\n\n', 'other', null],
  ])('%s', (_name, wire, kind, empty) => {
    const [ev] = live(wire);
    expect(ev!.kind).toBe(kind);
    expect(ev!.empty).toBe(empty);
    // Whenever the live reading decides, it is what the export parser will decide from the raw text.
    if (ev!.empty !== null) {
      expect(sseChunkIsEmpty(ev!.raw)).toBe(ev!.empty);
      expect(outputsAreEmpty({ response: ev!.raw })).toBe(ev!.empty);
    }
  });
});
