/** Small text helpers every renderer uses: escaping input text, and a fit's signed terms. */
import { describe, expect, test } from '@jest/globals';
import { printable } from '../../src/printable.js';
import { term } from '../../src/report/sweep-text.js';

describe('printable', () => {
  test('controls, DEL, C1 and bidi overrides become visible escapes; other text is untouched', () => {
    expect(printable('a\u001b[31mb\nc\rd\te\u0000f\u007fg\u009bh\u202ei')).toBe('a\\u001b[31mb\\nc\\rd\\te\\u0000f\\u007fg\\u009bh\\u202ei');
    expect(printable('prefill-64.json · µs × words — 日本語 😀')).toBe('prefill-64.json · µs × words — 日本語 😀');
  });
});

describe('term', () => {
  test.each([
    [6564.2, '+ 6.56 µs'],
    [-2.62, '− 2.62 ns'],
    [547, '+ 547 ns'],
    [557771, '+ 558 µs'],
    [148, '+ 148 ns'],
    [999.7, '+ 1 µs'],
    [1.5e6, '+ 1.5 ms'],
    [0, '+ 0 ns'],
  ])('%p ns → %p', (ns, text) => {
    expect(term(ns)).toBe(text);
  });
});
