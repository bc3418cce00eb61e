import { describe, expect, test } from '@jest/globals';
import { ExactSum, splitDecimal, TimeBase } from '../../src/records/time.js';

describe('exact time', () => {
  test('a double cannot tell these timestamps apart; palens can', () => {
    expect(Number('1700000000000000001')).toBe(Number('1700000000000000100'));
    const t = new TimeBase();
    const a = splitDecimal('1700000000000000001');
    const b = splitDecimal('1700000000000000100');
    expect(t.offset(a.sec, a.nsec)).toBe(0);
    expect(t.offset(b.sec, b.nsec)).toBe(99);
  });

  test('splitDecimal keeps the last nine digits apart', () => {
    expect(splitDecimal('1700000000123456789')).toEqual({ sec: 1700000000, nsec: 123456789 });
    expect(splitDecimal('42')).toEqual({ sec: 0, nsec: 42 });
    expect(splitDecimal('18446744073709551615')).toEqual({ sec: 18446744073, nsec: 709551615 });
    expect(() => splitDecimal('-1')).toThrow();
  });

  test('offsets cross second boundaries exactly, both ways', () => {
    const t = new TimeBase();
    const base = splitDecimal('1700000000999999999');
    t.offset(base.sec, base.nsec);
    const later = splitDecimal('1700000001000000001');
    const earlier = splitDecimal('1699999999000000007');
    expect(t.offset(later.sec, later.nsec)).toBe(2);
    expect(t.offset(earlier.sec, earlier.nsec)).toBe(-1_999_999_992);
  });

  test('absolute() gives back the exact decimal', () => {
    const t = new TimeBase();
    const base = splitDecimal('1700000000123456789');
    t.offset(base.sec, base.nsec);
    expect(t.absolute(0)).toBe('1700000000123456789');
    expect(t.absolute(211)).toBe('1700000000123457000');
    expect(t.absolute(-789)).toBe('1700000000123456000');
  });

  test('ExactSum stays exact past 2^53 and divides like Python int / int', () => {
    const s = new ExactSum();
    let big = 0n;
    const v = 2 ** 52 + 1; // odd, so a double sum would round
    for (let i = 0; i < 1000; i++) {
      s.add(v);
      big += BigInt(v);
    }
    expect(s.total()).toBe(big);
    expect(s.divide(1000)).toBe(v);
    const small = new ExactSum();
    for (const x of [1000, 2000, 500]) small.add(x);
    expect(small.divide(3)).toBe(3500 / 3);
  });
});
