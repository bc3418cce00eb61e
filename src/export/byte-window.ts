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
 * - A reader may cut a hole in the unit it holds ({@link cut}): the bytes of a long value it skips
 *   and has scanned are dropped, and {@link at} still maps every index to its stream offset.
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
   * A hole: bytes a reader scanned (a long value it skips) and dropped from inside a unit it keeps.
   * Buffer index `holeAt` and after stand `holeBytes` further into the stream; -1 when none.
   */
  holeAt = -1;
  holeBytes = 0;

  /** Unconsumed bytes, including chunks held aside. */
  get held(): number {
    return this.end - this.start + this.pendingBytes;
  }

  /** Stream offset of buffer index i. */
  at(i: number): number {
    return this.offset + i + (this.holeAt >= 0 && i >= this.holeAt ? this.holeBytes : 0);
  }

  /** Stream offset just after the last byte received. */
  get received(): number {
    return this.offset + this.end + this.holeBytes + this.pendingBytes;
  }

  /** Bytes up to i are done with. */
  consume(i: number): void {
    this.start = i;
    if (this.holeAt >= 0 && i > this.holeAt) {
      // Past the hole: every byte left stands holeBytes further on.
      this.offset += this.holeBytes;
      this.holeAt = -1;
      this.holeBytes = 0;
    }
  }

  /**
   * Drops `buf[i, end)` from inside the unit being read (the reader has scanned them and keeps
   * where it was): the next bytes arrive at i. At most one hole at a time, at a fixed index.
   */
  cut(i: number): void {
    this.holeAt = i;
    this.holeBytes += this.end - i;
    this.end = i;
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
    if (this.holeAt >= 0) this.holeAt -= this.start;
  }

  /** `n` bytes were written where {@link reserve} said. Returns true when the parser should run. */
  commit(n: number): boolean {
    this.end += n;
    if (this.end - this.start < this.want) return false;
    this.want = 0;
    return true;
  }
}
