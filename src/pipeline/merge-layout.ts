/**
 * Where things are in a profile export, for `palens merge`: the byte range of each experiment's
 * requests, and the few small values around them (the experiment's mode and value, its window
 * boundaries, the document's version, service kind and endpoint) as raw JSON text.
 *
 * Why a layout instead of records: a merged export must carry every request exactly as its shard
 * wrote it (inputs, outputs, timestamps to the last digit), and RequestRecord keeps only what the
 * metrics need. So merge copies each experiment's request bytes verbatim, and this scanner says
 * which bytes. It tracks JSON structure only (strings, escapes, nesting); the export was already
 * checked by the validating parser in the same pass, so it assumes well-formed JSON. Memory stays
 * flat: nothing but the small captured values is kept.
 */

// The only bytes that shape JSON: quote, backslash, braces, brackets, comma, colon; and white space.
const [QUOTE, BSLASH, LBRACE, RBRACE, LBRACK, RBRACK, COMMA, COLON] = Array.from('"\\{}[],:', (c) => c.charCodeAt(0)) as [number, number, number, number, number, number, number, number];
const WS = new Uint8Array(256);
for (const c of ' \n\r\t') WS[c.charCodeAt(0)] = 1;

/** What a container is, by where it sits in the export. */
const enum Role {
  Other,
  Root,
  Experiments,
  Experiment,
  Requests,
}

interface Frame {
  object: boolean;
  role: Role;
  key: string | null;
  expectKey: boolean;
}

export interface ExperimentLayout {
  /** Raw JSON of the experiment's `experiment` value (`{"mode":…,"value":…}`), or null. */
  header: string | null;
  /** Raw JSON of its `window_boundaries` array, or null. */
  windows: string | null;
  /** Byte offsets (in the decompressed file) of the requests array's contents: after `[`, at `]`. */
  requestsStart: number;
  requestsEnd: number;
  requests: number;
}

export interface ExportLayout {
  experiments: ExperimentLayout[];
  /** Raw JSON of the document's `version`, `service_kind` and `endpoint` values, or null when absent. */
  root: Record<'version' | 'service_kind' | 'endpoint', string | null>;
}

const ROOT_CAPTURE = new Set(['version', 'service_kind', 'endpoint']);
const EXPERIMENT_CAPTURE = new Set(['experiment', 'window_boundaries']);

interface Capture {
  /** Stack depth of the frame holding the value. */
  depth: number;
  scalar: boolean;
  bytes: number[];
  done: (text: string) => void;
}

export class LayoutScanner {
  private readonly stack: Frame[] = [];
  private pos = 0;
  private inString = false;
  private escape = false;
  private inScalar = false;
  private keyBytes: number[] | null = null;
  private capture: Capture | null = null;
  private readonly layout: ExportLayout = { experiments: [], root: { version: null, service_kind: null, endpoint: null } };

  feed(chunk: Uint8Array): void {
    const stack = this.stack;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      const at = this.pos + i;
      if (this.inString) {
        if (this.capture !== null) this.capture.bytes.push(b);
        if (this.escape) this.escape = false;
        else if (b === BSLASH) this.escape = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.keyBytes !== null) {
            stack[stack.length - 1]!.key = Buffer.from(this.keyBytes).toString('utf8');
            this.keyBytes = null;
          } else this.endScalarCapture(false);
        } else if (this.keyBytes !== null) this.keyBytes.push(b);
        continue;
      }
      if (WS[b] === 1) continue;
      const top = stack[stack.length - 1];
      if (b === QUOTE) {
        this.inString = true;
        if (top !== undefined && top.object && top.expectKey) {
          top.expectKey = false;
          // Keys matter only where a captured value or the requests array can follow.
          this.keyBytes = top.role === Role.Root || top.role === Role.Experiment ? [] : null;
          if (this.keyBytes === null) top.key = null;
        } else this.valueStart(true);
        this.capture?.bytes.push(b);
      } else if (b === LBRACE || b === LBRACK) {
        this.valueStart(false);
        this.capture?.bytes.push(b);
        stack.push({ object: b === LBRACE, role: this.childRole(top, at), key: null, expectKey: b === LBRACE });
      } else if (b === RBRACE || b === RBRACK) {
        this.endScalarCapture(true);
        this.inScalar = false;
        const frame = stack.pop()!;
        if (frame.role === Role.Requests) this.current().requestsEnd = at;
        const c = this.capture;
        if (c !== null) {
          c.bytes.push(b);
          if (!c.scalar && c.depth === stack.length) {
            this.capture = null;
            c.done(Buffer.from(c.bytes).toString('utf8'));
          }
        }
      } else if (b === COMMA) {
        this.endScalarCapture(true);
        this.inScalar = false;
        this.capture?.bytes.push(b);
        if (top !== undefined && top.object) top.expectKey = true;
      } else if (b === COLON) {
        this.capture?.bytes.push(b);
      } else {
        // A number or a literal (true, false, null).
        if (!this.inScalar) this.valueStart(true);
        this.inScalar = true;
        this.capture?.bytes.push(b);
      }
    }
    this.pos += chunk.length;
  }

  finish(): ExportLayout {
    return this.layout;
  }

  private current(): ExperimentLayout {
    return this.layout.experiments[this.layout.experiments.length - 1]!;
  }

  private childRole(parent: Frame | undefined, at: number): Role {
    if (parent === undefined) return Role.Root;
    if (parent.role === Role.Root && parent.key === 'experiments') return Role.Experiments;
    if (parent.role === Role.Experiments) {
      this.layout.experiments.push({ header: null, windows: null, requestsStart: -1, requestsEnd: -1, requests: 0 });
      return Role.Experiment;
    }
    if (parent.role === Role.Experiment && parent.key === 'requests') {
      this.current().requestsStart = at + 1;
      return Role.Requests;
    }
    return Role.Other;
  }

  /** A value begins: count it, or start capturing it when merge needs its text. */
  private valueStart(scalar: boolean): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined || this.capture !== null) return;
    if (top.role === Role.Requests) {
      this.current().requests++;
      return;
    }
    const key = top.key;
    if (key === null) return;
    if (top.role === Role.Root && ROOT_CAPTURE.has(key)) {
      const root = this.layout.root;
      this.capture = { depth: this.stack.length, scalar, bytes: [], done: (t) => (root[key as keyof ExportLayout['root']] = t) };
    } else if (top.role === Role.Experiment && EXPERIMENT_CAPTURE.has(key)) {
      const e = this.current();
      this.capture = {
        depth: this.stack.length,
        scalar,
        bytes: [],
        done: (t) => {
          if (key === 'experiment') e.header = t;
          else e.windows = t;
        },
      };
    }
  }

  /** Ends a captured scalar: a string at its closing quote, a number or literal before the byte that ends it. */
  private endScalarCapture(delimiter: boolean): void {
    const c = this.capture;
    if (c === null || !c.scalar || c.depth !== this.stack.length) return;
    if (delimiter && !this.inScalar) return;
    this.capture = null;
    c.done(Buffer.from(c.bytes).toString('utf8').trim());
  }
}
