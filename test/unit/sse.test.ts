import { describe, expect, test } from '@jest/globals';
import { type SseEvent, SseReader } from '../../src/driver/openai/sse.js';

interface Seen {
  type: string;
  data: string;
  id: string;
  raw: string;
  firstByteNs: number;
  completeNs: number;
  reads: number;
}

/** Feeds the reads (stamped 1, 2, 3, … ns) and returns every event delivered. */
function read(reads: (string | Buffer)[]): { events: Seen[]; reader: SseReader } {
  const events: Seen[] = [];
  const reader = new SseReader((e: SseEvent) =>
    events.push({ type: e.type, data: e.data(), id: e.lastId, raw: e.raw().toString('utf8'), firstByteNs: e.firstByteNs, completeNs: e.completeNs, reads: e.reads }),
  );
  reads.forEach((r, k) => reader.push(typeof r === 'string' ? Buffer.from(r, 'utf8') : r, k + 1));
  return { events, reader };
}

const data = (reads: (string | Buffer)[]): string[] => read(reads).events.map((e) => e.data);

describe('SSE framing (each row: the reads, the data of the events delivered)', () => {
  test.each<[string, (string | Buffer)[], string[]]>([
    ['one event, LF', ['data: {"a":1}\n\n'], ['{"a":1}']],
    ['no space after the colon (TGI)', ['data:{"a":1}\n\n'], ['{"a":1}']],
    ['only one leading space is removed', ['data:  x\n\n'], [' x']],
    ['CRLF', ['data: a\r\n\r\n'], ['a']],
    ['lone CR', ['data: a\r\rdata: b\r\r'], ['a', 'b']],
    ['mixed line ends', ['data: a\r\n\ndata: b\n\r\n'], ['a', 'b']],
    ['two events in one read', ['data: a\n\ndata: b\n\n'], ['a', 'b']],
    ['multi-line data joined by LF', ['data: a\ndata: b\ndata:\n\n'], ['a\nb\n']],
    ['comments are not events', [': ping\n\n: keep-alive\ndata: x\n\n'], ['x']],
    ['event and id fields, retry ignored', ['event: error\nid: 7\nretry: 100\ndata: oops\n\n'], ['oops']],
    ['a field without a colon is a name with an empty value', ['data\n\n'], ['']],
    ['unknown fields are ignored', ['foo: bar\ndata: x\n\n'], ['x']],
    ['an event with no data is not delivered', ['event: ping\n\n'], []],
    ['split mid-line', ['da', 'ta: {"a"', ':1}\n', '\n'], ['{"a":1}']],
    ['CR and LF of one CRLF in two reads', ['data: a\r', '\n\r', '\n'], ['a']],
    ['blank line CR at the end of a read, its LF first in the next', ['data: a\r\n\r', '\ndata: b\r\n\r\n'], ['a', 'b']],
    ['a byte-order mark at the start', [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n')])], ['x']],
    ['a UTF-8 character split across reads', [Buffer.from('data: h\xc3', 'latin1'), Buffer.from('\xa9!\n\n', 'latin1')], ['h\u00e9!']],
    ['the [DONE] sentinel', ['data: [DONE]\n\n'], ['[DONE]']],
    ['an unfinished event is not delivered', ['data: a\n'], []],
  ])('%s', (_name: string, reads: (string | Buffer)[], want: string[]) => {
    expect(data(reads)).toEqual(want);
  });

  test('event type, last event id (kept across events) and raw bytes', () => {
    const { events } = read(['event: error\nid: 7\ndata: oops\n\n: c\ndata: next\r\n\r\n']);
    expect(events.map((e) => [e.type, e.id, e.raw])).toEqual([
      ['error', '7', 'event: error\nid: 7\ndata: oops\n\n'],
      ['message', '7', ': c\ndata: next\r\n\r\n'],
    ]);
  });

  test('an id holding NUL is ignored', () => {
    expect(read(['id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n']).events.map((e) => e.id)).toEqual(['1', '1']);
  });
});

describe('stamps', () => {
  test('an event whole in one read: both stamps that read', () => {
    const { events } = read(['data: a\n\n', 'data: b\n\n']);
    expect(events.map((e) => [e.firstByteNs, e.completeNs, e.reads])).toEqual([
      [1, 1, 1],
      [2, 2, 1],
    ]);
  });

  test('an event over three reads: first byte in read 1, complete in read 3', () => {
    const { events, reader } = read(['data: {"x"', ':1}\n', '\ndata: y\n\n']);
    expect(events.map((e) => [e.data, e.firstByteNs, e.completeNs, e.reads])).toEqual([
      ['{"x":1}', 1, 3, 3],
      ['y', 3, 3, 1],
    ]);
    expect(reader.stats).toMatchObject({ reads: 3, events: 2, splitEvents: 1, maxEventsPerRead: 2 });
  });

  test('a comment before an event does not make its first byte earlier', () => {
    const { events } = read([': ping\n', 'data: a\n\n']);
    expect(events.map((e) => [e.firstByteNs, e.completeNs])).toEqual([[2, 2]]);
  });
});

describe('every split point of a sample stream gives the same events', () => {
  // What a real server's stream looks like, made adversarial: a role-only first chunk, comments,
  // an event type, CRLF and lone CR, multi-line data, a usage chunk and [DONE].
  const sample =
    ': ping\r\n' +
    'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\r\n\r\n' +
    'data: {"choices":[{"delta":{"content":"h\u00e9llo"}}]}\n\n' +
    'event: message\nid: 3\ndata: {"choices":[{"delta":{"content":" w"}}],\ndata: "x":1}\r\r' +
    ': keep-alive\n\n' +
    'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}\r\n\r\n' +
    'data: [DONE]\n\n';
  const bytes = Buffer.from(sample, 'utf8');
  const whole = read([bytes]).events.map((e) => [e.type, e.data, e.id, e.raw]);
  // An event ends at the CR of its blank line; when the LF of that CRLF comes in a later read, the event
  // has already been delivered without it (a read later would delay it): raw text then ends in CR.
  const rawModuloLateLf = (events: Seen[]): string[][] => events.map((e) => [e.type, e.data, e.id, e.raw.replace(/\r\n$/, '\r')]);
  const wholeModulo = rawModuloLateLf(read([bytes]).events);

  test('the whole stream in one read', () => {
    expect(whole.map((e) => e[1])).toEqual([
      '{"choices":[{"delta":{"role":"assistant","content":""}}]}',
      '{"choices":[{"delta":{"content":"h\u00e9llo"}}]}',
      '{"choices":[{"delta":{"content":" w"}}],\n"x":1}',
      '{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}',
      '[DONE]',
    ]);
    // Raw bytes of all events put back together give the stream (less the comment-only block, which is no event).
    expect(whole.map((e) => e[3]).join('')).toBe(sample.replace(': keep-alive\n\n', ''));
  });

  test('split once at every byte', () => {
    for (let at = 0; at <= bytes.length; at++) {
      const got = rawModuloLateLf(read([bytes.subarray(0, at), bytes.subarray(at)]).events);
      expect([at, got]).toEqual([at, wholeModulo]);
    }
  });

  test('split twice at every pair of bytes (every 3rd first cut)', () => {
    const want = JSON.stringify(whole.map((e) => e[1]));
    const wrong: number[][] = [];
    for (let a = 0; a <= bytes.length; a += 3) {
      for (let b = a; b <= bytes.length; b++) {
        const got = read([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]).events.map((e) => e.data);
        if (JSON.stringify(got) !== want) wrong.push([a, b]);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('one byte per read', () => {
    const reads: Buffer[] = [];
    for (let i = 0; i < bytes.length; i++) reads.push(bytes.subarray(i, i + 1));
    const { events } = read(reads);
    expect(rawModuloLateLf(events)).toEqual(wholeModulo);
    // Each event is complete in the read holding its last blank-line byte, and began where its first field byte was.
    const firstField = sample.indexOf('data: {"choices":[{"delta":{"content":"h');
    expect(events[1]!.firstByteNs).toBe(Buffer.byteLength(sample.slice(0, firstField)) + 1);
  });
});

describe('a stream that never ends its line or event', () => {
  test('a line or an event above 16 MiB stops the reader with the reason; nothing more is read or held', () => {
    for (const [piece, why] of [
      ['x'.repeat(1 << 20), /a line of the event stream is longer than 16777216 bytes/],
      [`data: ${'y'.repeat((1 << 20) - 7)}\n`, /an event is longer than 16777216 bytes without the blank line/],
    ] as const) {
      const got: string[] = [];
      const reader = new SseReader((e) => got.push(e.data()));
      const b = Buffer.from(piece, 'utf8');
      let k = 0;
      while (reader.failed === null && k < 40) reader.push(b, ++k);
      expect(reader.failed).toMatch(why);
      expect(k).toBeLessThanOrEqual(18);
      reader.push(Buffer.from('\n\ndata: z\n\n'), 99);
      expect(got).toEqual([]);
    }
  });
});
