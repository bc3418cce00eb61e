/**
 * Memory stays flat while skipping: whitespace and values nobody reads are consumed as they come
 * (export/byte-window.ts, JsonSkipper), so the window never grows past a bound, however long they
 * are. bench/analyze.ts --bombs measures the peak RSS of the 2 GiB cases; these tests check the
 * window itself, with tens of megabytes fed in chunks.
 */
import { describe, expect, test } from '@jest/globals';
import { JsonSkipper, JsonSyntaxError } from '../../src/export/json-lexer.js';
import { ProfileParser } from '../../src/export/profile-parser.js';
import type { Problem, ProblemError } from '../../src/export/problems.js';
import { CollectingSink } from '../helpers/collect.js';

const CHUNK = 64 << 10;
const VALID = '{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":1700000000000000000,"response_timestamps":[1700000000000000100]}]}';

const MB32 = 32 << 20;

describe('skipping without holding', () => {
  test.each([
    ['before the document', '', ' ', `{"experiments":[${VALID}]}`],
    ['after the document', `{"experiments":[${VALID}]}`, '\n', ''],
    ['between top-level keys', '{"version":"1",', '\t', `"experiments":[${VALID}]}`],
    ['between experiments', `{"experiments":[${VALID},`, ' ', `${VALID}]}`],
    ['between requests', `{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[{"timestamp":1,"response_timestamps":[2]},`, '\r', '{"timestamp":3,"response_timestamps":[4]}]}]}'],
  ])('32 MB of whitespace %s', (_where, head, ws, tail) => {
    const r = feedParts([head, [ws.charCodeAt(0), MB32], tail]);
    expect(r.problems).toEqual([]);
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
    const r = feedParts([head, [0x61, MB32], close + tail]);
    expect(r.problems).toEqual([]);
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

/** Feeds `parts` (strings, or [byte, count] runs) in CHUNK pieces the way readPlain does; returns the largest window seen. */
function feedParts(parts: (string | [number, number])[], failFast = false): { largest: number; sink: CollectingSink; problems: ReturnType<ProfileParser['finish']>['problems']; bytes: number } {
  const sink = new CollectingSink();
  const parser = new ProfileParser(sink, { file: 'parts.json', failFast });
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
  for (const part of parts) {
    if (typeof part === 'string') put(Buffer.from(part));
    else {
      const block = Buffer.alloc(CHUNK, part[0]);
      for (let n = 0; n < part[1]; n += CHUNK) put(part[1] - n >= CHUNK ? block : block.subarray(0, part[1] - n));
    }
  }
  const r = parser.finish();
  return { largest, sink, problems: r.problems, bytes: r.bytes };
}

/** The text of `parts`, runs spelled out (for small ones). */
const spelled = (parts: (string | [number, number])[]): string => parts.map((p) => (typeof p === 'string' ? p : String.fromCharCode(p[0]).repeat(p[1]))).join('');

const MB4 = 4 << 20;
const SP = 0x20;
const NL = 0x0a;
const A = 0x61;
const REQ_HEAD = '{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[';
const REQ_TAIL = ']}]}';

/**
 * One request with long whitespace between many of its tokens, several long unknown values, a long
 * text output and a long input that is not the prompt: `fill` bytes per run.
 */
function busyRequest(fill: number): (string | [number, number])[] {
  return [
    REQ_HEAD,
    '{',
    [SP, fill],
    '"timestamp"',
    [NL, fill],
    ':',
    [SP, fill],
    '1700000000000000000,"junk1":"',
    [A, fill],
    '","response_timestamps":[',
    [SP, fill],
    '1700000000000000100,',
    [NL, fill],
    '1700000000000000300',
    [SP, fill],
    '],"junk2":[1,',
    [SP, fill],
    '"',
    [A, fill],
    '",{"k":"',
    [A, fill],
    '"}],"response_outputs":[{"text_output":"',
    [A, fill],
    '"},',
    [SP, fill],
    '{"text_output":""}],"request_inputs":{"text_input":"two words","other":"',
    [A, fill],
    '"},"junk3":',
    [SP, fill],
    '"',
    [A, fill],
    '"',
    [SP, fill],
    '}',
    REQ_TAIL,
  ];
}

describe('a request holds what it reads, however much it skips', () => {
  test('many long whitespace runs, unknown values, a long text output and a long other input in one request: the window stays small, the record exact', () => {
    const r = feedParts(busyRequest(MB4));
    expect(r.problems).toEqual([]);
    expect(r.sink.records).toHaveLength(1);
    const rec = r.sink.records[0]!;
    expect(rec.responses).toEqual([100, 300]);
    expect(rec.empty).toEqual([0, 1]);
    expect(rec.promptWords).toBe(2);
    expect(r.largest).toBeLessThanOrEqual(4 * CHUNK);
  });

  test('the same request with short runs gives the same record (nothing cut)', () => {
    const small = feedParts(busyRequest(100));
    const long = feedParts(busyRequest(MB4));
    expect(long.sink.records).toEqual(small.sink.records);
  });

  test('a long prompt and a long SSE chunk are read whole (their text is needed)', () => {
    const words = 'word '.repeat(200_000);
    const chunk = JSON.stringify('data: {"choices":[{"delta":{"content":""}}],"pad":"' + 'x'.repeat(300_000) + '"}\n\n');
    const r = feedParts([REQ_HEAD, `{"timestamp":1,"response_timestamps":[2],"response_outputs":[{"response":${chunk}}],"request_inputs":{"text_input":"${words}"}}`, REQ_TAIL]);
    expect(r.problems).toEqual([]);
    expect(r.sink.records[0]!.promptWords).toBe(200_000);
    expect(r.sink.records[0]!.empty).toEqual([1]);
  });

  test('a long key nobody reads, whose end spells a known one, is not taken for it', () => {
    const r = feedParts([REQ_HEAD, '{"timestamp":1,"response_timestamps":[2],"', [A, MB4], 'timestamp":5}', REQ_TAIL]);
    expect(r.problems).toEqual([]);
    expect(r.sink.records[0]!.sendNs).toBe(0);
  });

  test('problems after many cuts are reported at their own byte', () => {
    const parts = busyRequest(1 << 20);
    parts.splice(parts.length - 3, 0, ',"sequence_id":"x"');
    const r = feedParts(parts);
    const text = spelled(parts);
    expect(r.problems.map((p) => [p.pointer, p.byteOffset])).toEqual([['/experiments/0/requests/0/sequence_id', text.indexOf('"x"')]]);
    expect(r.bytes).toBe(text.length);
  });

  test.each([
    ['a raw control byte late in a long string of an unknown value', '"junk":["', '\u0001"]', 0, 'control characters'],
    ['a bad escape late in a long string of an unknown value', '"junk":{"a":"', '\\q"}', 0, 'escape'],
    ['a bad token late in a long array of an unknown value', '"junk":[', '1,]', 2, 'JSON value'],
    ['a bad token after long whitespace in a request', '"junk":', '}', 0, 'JSON value'],
  ])('invalid JSON after cuts: %s is an error at its byte', (_name, head, bad, at, message) => {
    const fill = head.endsWith('[') ? '1,'.repeat(1 << 20) : head.endsWith('"') ? 'a'.repeat(2 << 20) : ' '.repeat(2 << 20);
    const before = REQ_HEAD + '{"timestamp":1,"response_timestamps":[2],' + head + ' '.repeat(1 << 20) + fill;
    let problem: Problem | null = null;
    try {
      feedParts([before, bad, '}' + REQ_TAIL]);
    } catch (e) {
      problem = (e as ProblemError).problem;
    }
    expect(problem?.message).toMatch(message);
    expect(problem?.pointer).toBe('/experiments/0/requests/0');
    // A bad escape is placed at its backslash or at the byte after it, whichever reader saw it.
    expect(problem?.byteOffset).toBeGreaterThanOrEqual(Buffer.byteLength(before) + at);
    expect(problem?.byteOffset).toBeLessThanOrEqual(Buffer.byteLength(before) + at + (bad.startsWith('\\') ? 1 : 0));
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
