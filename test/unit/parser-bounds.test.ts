/**
 * Memory stays flat while skipping: whitespace and values nobody reads are consumed as they come
 * (export/byte-window.ts, JsonSkipper), so the window never grows past a bound, however long they
 * are. bench/analyze.ts --bombs measures the peak RSS of the 2 GiB cases; these tests check the
 * window itself, with tens of megabytes fed in chunks.
 */
import { describe, expect, test } from '@jest/globals';
import { JsonSkipper, JsonSyntaxError } from '../../src/export/json-lexer.js';
import { ProfileParser } from '../../src/export/profile-parser.js';
import { CollectingSink } from '../helpers/collect.js';

const CHUNK = 64 << 10;
const VALID = '{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":1700000000000000000,"response_timestamps":[1700000000000000100]}]}';

/**
 * Feeds `head`, then `fill` repeated to `fillBytes`, then `tail`, the way readPlain does (into the
 * parser's own window); returns the largest window seen and the parse result.
 */
function feedLong(head: string, fill: number, fillBytes: number, tail: string): { largest: number; sink: CollectingSink; problems: number } {
  const sink = new CollectingSink();
  const parser = new ProfileParser(sink, { file: 'long.json', failFast: false });
  let largest = 0;
  const put = (bytes: Buffer): void => {
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const piece = bytes.subarray(at, Math.min(bytes.length, at + CHUNK));
      const { buffer, offset } = parser.writeWindow(CHUNK);
      largest = Math.max(largest, buffer.length);
      piece.copy(buffer, offset);
      parser.commitWrite(piece.length);
    }
  };
  put(Buffer.from(head));
  const block = Buffer.alloc(CHUNK, fill);
  for (let n = 0; n < fillBytes; n += CHUNK) put(block);
  put(Buffer.from(tail));
  const r = parser.finish();
  return { largest, sink, problems: r.problemCount };
}

const MB32 = 32 << 20;

describe('skipping without holding', () => {
  test.each([
    ['before the document', '', ' ', `{"experiments":[${VALID}]}`],
    ['after the document', `{"experiments":[${VALID}]}`, '\n', ''],
    ['between top-level keys', '{"version":"1",', '\t', `"experiments":[${VALID}]}`],
    ['between experiments', `{"experiments":[${VALID},`, ' ', `${VALID}]}`],
    ['between requests', `{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":1,"response_timestamps":[2]},`, '\r', '{"timestamp":3,"response_timestamps":[4]}]}]}'],
  ])('32 MB of whitespace %s', (_where, head, ws, tail) => {
    const r = feedLong(head, ws.charCodeAt(0), MB32, tail);
    expect(r.problems).toBe(0);
    expect(r.sink.records.length).toBeGreaterThan(0);
    expect(r.largest).toBeLessThanOrEqual(4 * CHUNK);
  });

  test.each([
    ['at the top level', '{"junk":"', '",', `"experiments":[${VALID}]}`],
    ['in an experiment', `{"experiments":[{"junk":"`, '",', `${VALID.slice(1)}]}`],
    ['nested in an unknown array', '{"junk":[1,{"a":"', '"},true],', `"experiments":[${VALID}]}`],
    [
      'in a request',
      '{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":1700000000000000000,"junk":{"a":["',
      '"]},',
      '"response_timestamps":[1700000000000000100]}]}]}',
    ],
  ])('a 32 MB unknown string %s', (_where, head, close, tail) => {
    const r = feedLong(head, 0x61, MB32, close + tail);
    expect(r.problems).toBe(0);
    expect(r.sink.records).toHaveLength(1);
    expect(r.largest).toBeLessThanOrEqual(4 * CHUNK);
  });

  test('after a long value cut from a request, problems are still reported at their own byte', () => {
    const head = '{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":1,"junk":"';
    const fill = 1 << 20;
    const tail = '","response_timestamps":["x"]}]}]}';
    const sink = new CollectingSink();
    const parser = new ProfileParser(sink, { file: 'hole.json', failFast: false });
    const text = Buffer.from(head + 'a'.repeat(fill) + tail);
    for (let at = 0; at < text.length; at += CHUNK) parser.feed(text.subarray(at, at + CHUNK));
    const r = parser.finish();
    expect(r.problems.map((p) => [p.pointer, p.byteOffset])).toEqual([['/experiments/0/requests/0/response_timestamps/0', text.indexOf('"x"')]]);
    expect(r.bytes).toBe(text.length);
  });

  test('invalid JSON inside a long skipped value is still an error, at its byte', () => {
    const sink = new CollectingSink();
    const parser = new ProfileParser(sink, { file: 'bad.json', failFast: true });
    parser.feed(Buffer.from('{"junk":"' + 'a'.repeat(100_000)));
    expect(() => parser.feed(Buffer.from('\u0001"}'))).toThrow(/control characters/);
  });
});

describe('JsonSkipper', () => {
  const skipIn = (text: string, step: number): number => {
    const s = new JsonSkipper();
    s.begin();
    const b = Buffer.from(text);
    for (let at = 0; at < b.length; at += step) {
      const e = s.scan(b, at, Math.min(b.length, at + step));
      if (e >= 0) return e;
    }
    return -1;
  };

  test.each([
    ['"a\\"b\\u00e9"', ' ,'],
    ['{"a": [1, -2.5e+3, 0, true, false, null, {"b": {}}], "c": []}', 'x'],
    ['[[[]]]', ' ]'],
    ['-0.5E-2', ','],
    ['"' + 'x'.repeat(1000) + '"', '}'],
  ])('%s ends where it ends, in pieces of any size', (value, after) => {
    for (const step of [1, 2, 3, 100]) expect(skipIn(value + after, step)).toBe(Buffer.byteLength(value));
  });

  test.each(['[1,]', '{"a" 1}', '{"a":1,}', '01', '-', '1.e3', 'nul!', '"\\q"', '"\\u12x4"', '[1 2]'])('%s is not JSON', (text) => {
    expect(() => skipIn(text + ' ', 1)).toThrow(JsonSyntaxError);
  });

  test('a number at the end of the bytes may go on', () => {
    expect(skipIn('123', 3)).toBe(-1);
  });
});
