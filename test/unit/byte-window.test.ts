/** The byte window's invariants (export/byte-window.ts): stream offsets, what is kept, how it grows. */
import { describe, expect, test } from '@jest/globals';
import { ByteWindow } from '../../src/export/byte-window.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const held = (w: ByteWindow): string => w.buf.toString('latin1', w.start, w.end);

describe('byte window', () => {
  test('push: unconsumed bytes are kept in order and every index maps to its stream offset', () => {
    const w = new ByteWindow();
    expect(w.push(bytes('abcdef'))).toBe(true);
    expect(held(w)).toBe('abcdef');
    w.consume(w.start + 4);
    expect(w.push(bytes('ghij'))).toBe(true);
    expect(held(w)).toBe('efghij');
    expect(w.at(w.start)).toBe(4);
    expect(w.received).toBe(10);
  });

  test('needMore: a refill below twice the held bytes does not wake the parser, one at it does', () => {
    const w = new ByteWindow();
    w.push(bytes('0123456789'));
    w.consume(w.start + 2);
    w.needMore();
    expect(w.want).toBe(16);
    expect(w.push(bytes('abc'))).toBe(false); // 11 held
    expect(w.push(bytes('defgh'))).toBe(true); // 16 held
    expect(held(w)).toBe('23456789abcdefgh');
    expect(w.at(w.start)).toBe(2);
    expect(w.want).toBe(0);
  });

  test('reserve/commit: unconsumed bytes move to the front, offsets stay right', () => {
    const w = new ByteWindow();
    let slot = w.reserve(8);
    slot.buffer.write('abcdefgh', slot.offset, 'latin1');
    expect(w.commit(8)).toBe(true);
    w.consume(w.start + 6);
    slot = w.reserve(8);
    expect(slot.offset).toBe(2);
    expect(w.start).toBe(0);
    expect(w.offset).toBe(6);
    slot.buffer.write('ijkl', slot.offset, 'latin1');
    expect(w.commit(4)).toBe(true);
    expect(held(w)).toBe('ghijkl');
    expect(w.at(0)).toBe(6);
  });

  test('skipping as it reads keeps the buffer at one chunk, however long the stream', () => {
    const w = new ByteWindow();
    const chunk = 4096;
    for (let k = 0; k < 1000; k++) {
      const slot = w.reserve(chunk);
      slot.buffer.fill(0x20, slot.offset, slot.offset + chunk);
      w.commit(chunk);
      w.consume(w.end);
    }
    expect(w.received).toBe(1000 * chunk);
    expect(w.buf.length).toBeLessThanOrEqual(2 * chunk);
  });

  test('a unit that must be seen whole grows the window by doubling, and keeps every byte of it', () => {
    const w = new ByteWindow();
    const chunk = 1000;
    let grows = 0;
    let last = 0;
    for (let k = 0; k < 64; k++) {
      const slot = w.reserve(chunk);
      slot.buffer.fill(0x61 + (k % 26), slot.offset, slot.offset + chunk);
      if (w.commit(chunk)) w.needMore();
      if (w.buf.length !== last) grows++;
      last = w.buf.length;
    }
    expect(w.end - w.start).toBe(64 * chunk);
    expect(w.buf[w.start + 63 * chunk]).toBe(0x61 + (63 % 26));
    expect(grows).toBeLessThanOrEqual(8);
  });
});
