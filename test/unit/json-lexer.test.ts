/** The JSON lexer (export/json-lexer.ts) on its own: tokens, exact integers, where it stops. */
import { describe, expect, test } from '@jest/globals';
import {
  JsonLexer,
  JsonSyntaxError,
  keyTable,
  MAX_DEPTH,
  NEED_MORE,
  NUM_FRACTION,
  NUM_NEGATIVE,
  NUM_NOT_NUMBER,
  NUM_OK,
  NUM_TOO_BIG,
} from '../../src/export/json-lexer.js';

function lexer(text: string): JsonLexer {
  const lex = new JsonLexer();
  const b = Buffer.from(text, 'utf8');
  lex.view(b, b.length);
  return lex;
}

function stop(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('json lexer', () => {
  test('uint: 19 and 20 digits split exactly into (digits above the last nine, last nine)', () => {
    const lex = lexer('1700000000123456789,18446744073709551615 ');
    let i = lex.uint(0);
    expect([lex.numStatus, lex.numHi, lex.numLo, i]).toEqual([NUM_OK, 1700000000, 123456789, 19]);
    i = lex.uint(i + 1);
    expect([lex.numStatus, lex.numHi, lex.numLo, i]).toEqual([NUM_OK, 18446744073, 709551615, 40]);
  });

  test.each([
    ['18446744073709551616 ', NUM_TOO_BIG],
    ['-5 ', NUM_NEGATIVE],
    ['1.5 ', NUM_FRACTION],
    ['1e3 ', NUM_FRACTION],
    ['"12" ', NUM_NOT_NUMBER],
    ['[1] ', NUM_NOT_NUMBER],
  ])('uint %s: reported, not read, and skipped whole', (text, status) => {
    const lex = lexer(text);
    const e = lex.uint(0);
    expect(lex.numStatus).toBe(status);
    expect(e).toBe(text.length - 1);
  });

  test('a number ending at the end of the view needs more bytes (it may go on)', () => {
    expect(stop(() => lexer('12345').uint(0))).toBe(NEED_MORE);
    expect(stop(() => lexer('"abc').string(0))).toBe(NEED_MORE);
    expect(stop(() => lexer('[1, 2').skip(0, 0))).toBe(NEED_MORE);
    expect(stop(() => lexer('   ').ws(0))).toBe(NEED_MORE);
  });

  test('strings: escapes are validated and decoded, raw control bytes are not JSON', () => {
    const lex = lexer('"a\\"b\\u00e9\\n" ');
    const e = lex.string(0);
    expect(lex.escaped).toBe(true);
    expect(lex.text(0, e)).toBe('a"bé\n');
    const bad = stop(() => lexer('"a\nb" ').string(0));
    expect(bad).toBeInstanceOf(JsonSyntaxError);
    expect((bad as JsonSyntaxError).at).toBe(2);
    expect(stop(() => lexer('"\\x" ').string(0))).toBeInstanceOf(JsonSyntaxError);
    expect(stop(() => lexer('"\\u12g4" ').string(0))).toBeInstanceOf(JsonSyntaxError);
  });

  test('keys: matched against a table byte for byte, escaped keys decoded first, others -1', () => {
    const table = keyTable(['timestamp', 'response_timestamps']);
    const lex = lexer('"timestamp":1 "\\u0074imestamp":2 "response_timestamps":3 "other":4 ');
    expect(lex.key(0, table)).toBe(0);
    expect(lex.colon(lex.keyEnd)).toBe(12);
    expect(lex.key(14, table)).toBe(0);
    expect(lex.key(lex.buf.indexOf('"response'), table)).toBe(1);
    expect(lex.key(lex.buf.indexOf('"other'), table)).toBe(-1);
  });

  test('skip: any value, nested, with whitespace; the index after it', () => {
    const text = '{"a": [1, -2.5e3, true, false, null, {"b": "c"}], "d": {}} ,';
    expect(lexer(text).skip(0, 0)).toBe(text.indexOf(' ,'));
    expect(stop(() => lexer('{"a" 1} ').skip(0, 0))).toBeInstanceOf(JsonSyntaxError);
    expect(stop(() => lexer('[1 2] ').skip(0, 0))).toBeInstanceOf(JsonSyntaxError);
    expect(stop(() => lexer('tru ').skip(0, 0))).toBeInstanceOf(JsonSyntaxError);
    const deep = '['.repeat(MAX_DEPTH + 1) + ']'.repeat(MAX_DEPTH + 1);
    expect(stop(() => lexer(deep).skip(0, 0))).toBeInstanceOf(JsonSyntaxError);
  });
});
