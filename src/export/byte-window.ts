/**
 * A window onto a byte stream for a parser that reads units (a request, a key and its value) in
 * one go and re-reads a unit from its start when the bytes ran out inside it.
 *
 * Invariants (checked by test/unit/byte-window.test.ts):
 * - `buf[start, end)` are the bytes not yet consumed; `buf[0, start)` are done with and may be
 *   overwritten; `buf[end, …)` is free space.
 * - `offset` is the stream offset of `buf[0]`, so byte `i` of the buffer is byte `offset + i` of
 *   the stream, whatever moved or grew.
 * - The parser advances `start` ({@link consume}) only past whole units; everything at and after
 *   `start` is kept, unchanged, until it is consumed.
 * - `want` is how many unconsumed bytes the parser needs before it can get further; a refill below
 *   it does not call the parser again. {@link needMore} asks for twice what is held, so a unit of
 *   n bytes is read at most log2(n / chunk) + 1 times: amortised linear time.
 * - Memory: the buffer holds at most the unconsumed bytes plus one chunk, rounded up to a doubling.
 *   Skipping (whitespace, values nobody reads) consumes as it goes, so it never grows the window;
 *   only a unit the parser must see whole (one request) does.
 *
 * - A reader may cut holes in the unit it holds ({@link cut}): bytes it has scanned and needs no more
 *   (a whitespace run, the middle of a long string, a long value it skips) are dropped, and
 *   {@link at} still maps every index to its stream offset. Holes are kept in order of index, each
 *   with what the reader needs to go on there (a skipper's place); as many as the unit needs, each
 *   a few numbers, so a unit costs its kept bytes whatever it skips.
 *
 * Two ways in: {@link push} takes chunks the caller owns (gunzip output), held aside until `want`
 * is met; {@link reserve} + {@link commit} let a reader `readSync` straight into the window (no
 * copy per chunk). bench/analyze.ts measures both.
 */
export class ByteWindow {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  /** Stream offset of buf[0]. */
  offset = 0;
  /** Unconsumed bytes needed before the parser can progress (0: any). */
  want = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /**
   * Holes: bytes a reader scanned and dropped from inside a unit it keeps. Hole k is at buffer
   * index `holePos[k] - moves` (positions count from the buffer's first use, so moving the bytes
   * does not touch them); that index and after stand `holeDrop[k]` further into the stream, plus
   * the holes before it. `holeState[k]` is the reader's, to go on there (null: nothing to restore).
   */
  private holePos: number[] = [];
  private holeDrop: number[] = [];
  private holeState: unknown[] = [];
  /** Sum of holeDrop. */
  private dropped = 0;
  /** Bytes moved out of the front of the buffer so far (see holePos). */
  private moves = 0;

  /** Unconsumed bytes, including chunks held aside. */
  get held(): number {
    return this.end - this.start + this.pendingBytes;
  }

  /** Stream offset of buffer index i. */
  at(i: number): number {
    let at = this.offset + i;
    const pos = this.moves + i;
    for (let k = 0; k < this.holePos.length && this.holePos[k]! <= pos; k++) at += this.holeDrop[k]!;
    return at;
  }

  /** Holes in the unit held now. */
  get holes(): number {
    return this.holePos.length;
  }

  /** Whether a hole lies in buffer indices (s, e]: bytes between them were dropped. */
  holeIn(s: number, e: number): boolean {
    const n = this.holePos.length;
    if (n === 0) return false;
    const k = this.firstHole(s + 1);
    return k < n && this.holePos[k]! <= this.moves + e;
  }

  /** The state saved with the hole at index i, or null. */
  stateAt(i: number): unknown {
    const k = this.firstHole(i);
    return k < this.holePos.length && this.holePos[k] === this.moves + i ? this.holeState[k] : null;
  }

  /** Index in the hole list of the first hole at buffer index i or after. */
  private firstHole(i: number): number {
    const pos = this.holePos;
    const target = this.moves + i;
    let lo = 0;
    let hi = pos.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pos[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Stream offset just after the last byte received. */
  get received(): number {
    return this.offset + this.end + this.dropped + this.pendingBytes;
  }

  /** Bytes up to i are done with. */
  consume(i: number): void {
    this.start = i;
    const n = this.holePos.length;
    if (n === 0 || this.holePos[0]! >= this.moves + i) return;
    // Past holes: every byte left stands their bytes further on.
    const k = this.firstHole(i);
    let past = 0;
    for (let h = 0; h < k; h++) past += this.holeDrop[h]!;
    this.offset += past;
    this.dropped -= past;
    if (k === n) {
      this.holePos.length = this.holeDrop.length = this.holeState.length = 0;
    } else {
      this.holePos.splice(0, k);
      this.holeDrop.splice(0, k);
      this.holeState.splice(0, k);
    }
  }

  /**
   * Drops `buf[i, from)` from inside the unit being read (the reader has scanned them and needs
   * them no more); the bytes from `from` on move to i, and the next bytes arrive after them.
   * Holes at i or inside the dropped bytes become part of this one; `state` (the reader's, null
   * for none) is kept with it. i is never before a hole that stays.
   */
  cut(i: number, from: number, state: unknown): void {
    const gap = from - i;
    let drop = gap;
    const k = this.firstHole(i);
    let n = this.holePos.length;
    // Holes in the dropped bytes become part of this one; any after them move back with their bytes.
    let m = k;
    while (m < n && this.holePos[m]! <= this.moves + from) drop += this.holeDrop[m++]!;
    if (m < n) {
      for (let h = m; h < n; h++) this.holePos[h] = this.holePos[h]! - gap;
    }
    this.holePos.splice(k, m - k, this.moves + i);
    this.holeDrop.splice(k, m - k, drop);
    this.holeState.splice(k, m - k, state);
    this.dropped += gap;
    n = this.end;
    if (from < n) this.buf.copyWithin(i, from, n);
    this.end = n - gap;
  }

  /** The parser stopped inside a unit starting at `start`: call again when twice as many bytes are held. */
  needMore(): void {
    this.want = 2 * (this.end - this.start);
  }

  /**
   * Takes a chunk (kept by reference until it is copied in). Returns true when the parser should
   * run: the bytes held reach `want`.
   */
  push(chunk: Buffer): boolean {
    if (chunk.length === 0) return false;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.held < this.want) return false;
    this.flush();
    return true;
  }

  /** Moves chunks held aside into the buffer, after the unconsumed bytes. */
  flush(): void {
    if (this.pending.length === 0) return;
    const rest = this.buf.subarray(this.start, this.end);
    this.moved();
    this.buf = rest.length === 0 && this.pending.length === 1 ? this.pending[0]! : Buffer.concat([rest, ...this.pending]);
    this.start = 0;
    this.end = this.buf.length;
    this.pending = [];
    this.pendingBytes = 0;
    this.want = 0;
  }

  /**
   * Makes room for at least `minFree` new bytes after the unconsumed ones (moved to the front,
   * or into a buffer twice as large) and returns where to write them.
   */
  reserve(minFree: number): { buffer: Buffer; offset: number } {
    this.flush();
    const rest = this.end - this.start;
    const need = Math.max(rest + minFree, this.want + minFree);
    if (this.buf.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buf.length));
      this.buf.copy(grown, 0, this.start, this.end);
      this.buf = grown;
    } else if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
    }
    this.moved();
    this.start = 0;
    this.end = rest;
    return { buffer: this.buf, offset: rest };
  }

  /** The unconsumed bytes move to index 0. */
  private moved(): void {
    this.offset += this.start;
    this.moves += this.start;
  }

  /** `n` bytes were written where {@link reserve} said. Returns true when the parser should run. */
  commit(n: number): boolean {
    this.end += n;
    if (this.end - this.start < this.want) return false;
    this.want = 0;
    return true;
  }
}
