/**
 * Reads a palens capture's sidecar (docs/SIDECAR.md): the append-only `EXPORT.palens.jsonl` palens
 * writes now, or the earlier single-document `EXPORT.palens.json`. What readers need of it: each
 * request's status (anything but ok is a failed request), its prompt length (`--length-by meta`),
 * the requests still in flight when the capture was cut short, and the header's configuration.
 *
 * The JSONL form is read line by line (a sidecar grows with its capture); a last line cut short (a
 * capture killed mid-write) is left out and reported, any other bad line is an InputError with its
 * line number. Per request only a status byte and two lengths are kept, in typed arrays.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { InputError, IoError } from '../errors.js';
import { blankRecord, type RecordSink, type RequestStatus } from '../records/record.js';
import type { PromptLengths } from '../records/prompt-lengths.js';
import { type PromptTokensCheck, PromptTokenTally } from '../records/prompt-token-check.js';

export const sidecarPath = (exportPath: string): string => `${exportPath}.palens.jsonl`;
/** The earlier single-document form. */
export const legacySidecarPath = (exportPath: string): string => `${exportPath}.palens.json`;

/** A sidecar file's name, recognised so that a glob's sidecars are never read as exports. */
export const isSidecarName = (path: string): boolean => path.endsWith('.palens.jsonl') || path.endsWith('.palens.json');

/** The sidecar beside an export, new form first, or null. */
export function findSidecar(exportPath: string): string | null {
  for (const p of [sidecarPath(exportPath), legacySidecarPath(exportPath)]) if (existsSync(p)) return p;
  return null;
}

export function hasSidecar(exportPath: string): boolean {
  return findSidecar(exportPath) !== null;
}

/** Status codes as stored per request (0: no record of this request). */
const STATUS_CODES: readonly (RequestStatus | null)[] = [null, 'ok', 'server_error', 'timeout', 'cancelled', 'client_error', 'in_flight'];

/** Per experiment: status code, prompt tokens and words of each request by its export index. */
class ExperimentRequests {
  status = new Uint8Array(64);
  tokens = new Int32Array(64).fill(-1);
  words = new Int32Array(64).fill(-1);
  /** Output tokens an OpenAI capture counted (`tokens.output`), -1 when not recorded. */
  output = new Int32Array(64).fill(-1);
  count = 0;
  failed = 0;

  set(index: number, status: RequestStatus | null, tokens: number | null, words: number | null, output: number | null = null): void {
    while (index >= this.status.length) this.grow();
    this.output[index] = output ?? -1;
    const code = STATUS_CODES.indexOf(status);
    this.status[index] = code < 0 ? 0 : code;
    this.tokens[index] = tokens ?? -1;
    this.words[index] = words ?? -1;
    if (index >= this.count) this.count = index + 1;
    if (status !== null && status !== 'ok') this.failed++;
  }

  private grow(): void {
    const n = this.status.length * 2;
    const s = new Uint8Array(n);
    s.set(this.status);
    const t = new Int32Array(n).fill(-1);
    t.set(this.tokens);
    const w = new Int32Array(n).fill(-1);
    w.set(this.words);
    const o = new Int32Array(n).fill(-1);
    o.set(this.output);
    this.output = o;
    this.status = s;
    this.tokens = t;
    this.words = w;
  }
}

export interface InFlightRequest {
  experiment: number;
  id: string;
  warmup: boolean;
  promptTokens: number | null;
  promptWords: number | null;
}

export interface Sidecar {
  file: string;
  /** 1: the earlier single document; 2: JSON Lines. */
  schemaVersion: 1 | 2;
  /** The header line's (or document's) configuration, or null. */
  config: Record<string, unknown> | null;
  prompt: { unit: 'tokens' | 'words' | null; tokenizer: string | null };
  /** The `end` line, or null when the capture was cut short (killed, or the disk filled). */
  end: { interrupted: boolean; stopped_reason: string | null; timing_health?: unknown; totals?: unknown } | null;
  /** True when the last line was cut short and left out. */
  truncated: boolean;
  /** Requests sent but never ended (no `request` line): the server may have seen them. */
  inFlight: InFlightRequest[];
  /** The status of request `index` of experiment `experiment`, or null when the sidecar has none. */
  status(experiment: number, index: number): RequestStatus | null;
  /** Output tokens request `index` of experiment `experiment` carried (an OpenAI capture's `tokens.output`), or null. */
  outputTokens(experiment: number, index: number): number | null;
  /** Requests that did not end ok, per experiment. */
  failed(experiment: number): number;
  /** Requests of experiment `experiment` the sidecar numbered (its highest `request` line index + 1). */
  numbered(experiment: number): number;
  /**
   * Gives request `req` (in flight) the index `index` of its experiment, with `status` and its
   * prompt lengths, so that status() and lengths.lookup() answer for it (export/sidecar.ts joinStatuses).
   */
  placeInFlight(req: InFlightRequest, index: number, status: 'in_flight' | null): void;
  /** Measured requests whose server counted the prompt differently from palens (an OpenAI capture's `tokens`); null without token reports. */
  promptTokensCheck: PromptTokensCheck | null;
  lengths: PromptLengths;
}

/** Reads the sidecar beside an export; null when there is none. */
export async function readSidecar(exportPath: string): Promise<Sidecar | null> {
  const file = findSidecar(exportPath);
  if (file === null) return null;
  return file.endsWith('.jsonl') ? readLines(file) : readLegacy(file);
}

/** Lines of a JSONL sidecar; the last one may be cut short, any other must parse. */
async function readLines(file: string): Promise<Sidecar> {
  const experiments = new Map<number, ExperimentRequests>();
  const sent = new Map<string, InFlightRequest>();
  const promptCheck = new PromptTokenTally();
  const of = (i: number): ExperimentRequests => {
    let e = experiments.get(i);
    if (e === undefined) experiments.set(i, (e = new ExperimentRequests()));
    return e;
  };
  let header: Record<string, unknown> | null = null;
  let end: Sidecar['end'] = null;
  let truncated = false;
  let pendingBad: { line: number; message: string } | null = null;
  let lineNo = 0;
  const validate = await lineValidator();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const text of lines) {
      lineNo++;
      if (pendingBad !== null) throw badLine(file, pendingBad.line, pendingBad.message);
      if (text.trim() === '') continue;
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(text) as Record<string, unknown>;
      } catch (e) {
        // Only the last line may be cut short: decided when the next line comes, or the file ends.
        pendingBad = { line: lineNo, message: `expected one JSON object per line (${(e as Error).message})` };
        continue;
      }
      const problem = validate(o);
      if (problem !== null) throw badLine(file, lineNo, problem.message, problem.pointer);
      if (lineNo === 1 && o.kind !== 'header') throw badLine(file, 1, `expected the header line first, found kind '${String(o.kind)}'`);
      switch (o.kind) {
        case 'header':
          header = o;
          break;
        case 'sent':
          sent.set(String(o.id), {
            experiment: Number(o.experiment),
            id: String(o.id),
            warmup: o.warmup === true,
            promptTokens: (o.prompt_tokens as number | null | undefined) ?? null,
            promptWords: (o.prompt_words as number | null | undefined) ?? null,
          });
          break;
        case 'request':
          sent.delete(String(o.id));
          if (o.warmup !== true) {
            const output = (o.tokens as { output?: unknown } | undefined)?.output;
            promptCheck.add(o.tokens);
            of(Number(o.experiment)).set(Number(o.index), o.status as RequestStatus, (o.prompt_tokens as number | null) ?? null, (o.prompt_words as number | null) ?? null, typeof output === 'number' ? output : null);
          }
          break;
        case 'end':
          end = o as unknown as Sidecar['end'];
          break;
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new IoError(`cannot be read (${(e as Error).message})`, file, e);
  }
  if (pendingBad !== null) truncated = true;
  const prompt = (header?.prompt as { unit?: 'tokens' | 'words'; tokenizer?: string | null } | undefined) ?? {};
  return build(file, 2, (header?.config as Record<string, unknown> | undefined) ?? null, prompt, end, truncated, [...sent.values()], experiments, promptCheck.result());
}

interface LegacyDoc {
  config?: Record<string, unknown>;
  interrupted?: boolean;
  stopped_reason?: string | null;
  prompt?: { unit?: 'tokens' | 'words'; tokenizer?: string | null };
  experiments: { index: number; requests: { index: number; status?: RequestStatus; prompt_tokens?: number | null; prompt_words?: number | null }[] }[];
}

async function readLegacy(file: string): Promise<Sidecar> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as { code?: string }).code !== undefined) throw new IoError(`cannot be read (${(e as Error).message})`, file, e);
    throw new InputError('PALENS_INPUT_SYNTAX', `expected a JSON sidecar, found invalid JSON (${(e as Error).message})`, { file });
  }
  const { firstSchemaError, schemaValidator } = await import('../schemas.js');
  const validate = schemaValidator('sidecar');
  if (!validate(doc) || typeof doc !== 'object' || doc === null || (doc as { schemaVersion?: unknown }).schemaVersion !== 1) {
    const { pointer, message } = firstSchemaError(validate.errors);
    throw new InputError('PALENS_INPUT_SCHEMA', `expected a palens sidecar (schemas/sidecar.schema.json): ${message}`, { file, pointer });
  }
  const d = doc as LegacyDoc;
  const experiments = new Map<number, ExperimentRequests>();
  for (const e of d.experiments) {
    const reqs = new ExperimentRequests();
    for (const r of e.requests) reqs.set(r.index, r.status ?? null, r.prompt_tokens ?? null, r.prompt_words ?? null);
    experiments.set(e.index, reqs);
  }
  const end = { interrupted: d.interrupted ?? false, stopped_reason: d.stopped_reason ?? null };
  return build(file, 1, d.config ?? null, d.prompt ?? {}, end, false, [], experiments);
}

function build(
  file: string,
  schemaVersion: 1 | 2,
  config: Record<string, unknown> | null,
  prompt: { unit?: 'tokens' | 'words'; tokenizer?: string | null },
  end: Sidecar['end'],
  truncated: boolean,
  inFlight: InFlightRequest[],
  experiments: Map<number, ExperimentRequests>,
  promptTokensCheck: PromptTokensCheck | null = null,
): Sidecar {
  let tokens = 0;
  let words = 0;
  for (const e of experiments.values()) {
    for (let i = 0; i < e.count; i++) {
      if (e.tokens[i]! >= 0) tokens++;
      if (e.words[i]! >= 0) words++;
    }
  }
  const unit = prompt.unit ?? (tokens >= words && tokens > 0 ? 'tokens' : 'words');
  return {
    file,
    schemaVersion,
    config,
    prompt: { unit: prompt.unit ?? null, tokenizer: prompt.tokenizer ?? null },
    end,
    truncated,
    inFlight,
    status(experiment, index) {
      const e = experiments.get(experiment);
      return e === undefined || index >= e.count ? null : STATUS_CODES[e.status[index]!]!;
    },
    outputTokens(experiment, index) {
      const e = experiments.get(experiment);
      return e === undefined || index >= e.count || e.output[index]! < 0 ? null : e.output[index]!;
    },
    failed: (experiment) => experiments.get(experiment)?.failed ?? 0,
    numbered: (experiment) => experiments.get(experiment)?.count ?? 0,
    placeInFlight(req, index, status) {
      let e = experiments.get(req.experiment);
      if (e === undefined) experiments.set(req.experiment, (e = new ExperimentRequests()));
      e.set(index, status, req.promptTokens, req.promptWords);
    },
    promptTokensCheck,
    lengths: {
      unit,
      lookup(experiment, index) {
        const e = experiments.get(experiment);
        if (e === undefined || index >= e.count) return -1;
        return (unit === 'tokens' ? e.tokens : e.words)[index]!;
      },
    },
  };
}

async function lineValidator(): Promise<(o: unknown) => { pointer: string; message: string } | null> {
  // ajv only when a sidecar is read.
  const { firstSchemaError, schemaDefinitionValidator } = await import('../schemas.js');
  return (o) => {
    const kind = typeof o === 'object' && o !== null ? (o as { kind?: unknown }).kind : undefined;
    const validate = typeof kind === 'string' && kind !== 'legacy' ? schemaDefinitionValidator('sidecar', kind) : undefined;
    if (validate === undefined) return { pointer: '/kind', message: `expected an object whose kind is header, experiment, sent, request, experiment_end or end, found ${JSON.stringify(kind ?? null)}` };
    return validate(o) ? null : firstSchemaError(validate.errors);
  };
}

function badLine(file: string, line: number, message: string, pointer = ''): InputError {
  return new InputError('PALENS_INPUT_SCHEMA', `line ${line}: ${message} (schemas/sidecar.schema.json)`, { file, pointer });
}

/** The prompt lengths a sidecar recorded, by experiment and request index. */
export async function readSidecarLengths(exportPath: string): Promise<PromptLengths> {
  return sidecarLengths(await readSidecar(exportPath), exportPath);
}

/** The prompt lengths of a sidecar already read (`readSidecar(exportPath)`); an IoError when there was none. */
export function sidecarLengths(sidecar: Sidecar | null, exportPath: string): PromptLengths {
  if (sidecar === null) throw new IoError('has no palens sidecar beside it (EXPORT.palens.jsonl)', exportPath);
  return sidecar.lengths;
}

/**
 * The sink, with each record's status taken from the capture's sidecar (by experiment and export
 * index), so that a timed-out, cancelled or errored request of a palens capture counts as failed
 * whoever reads its export. Without a sidecar, the sink itself.
 *
 * Once the export is read, `finish()` adds a record with the status `in_flight` for each measured
 * request the sidecar shows sent and never ended (docs/METRICS.md): the server may have seen it, so
 * it counts as failed. A request whose export entry was written but whose sidecar line was lost to
 * a SIGKILL is in both: each export entry beyond the sidecar's numbered requests is one of them, and
 * is not added again.
 */
export function joinStatuses(sidecar: Sidecar | null, sink: RecordSink): RecordSink & { finish(): number } {
  if (sidecar === null) return { record: (r) => sink.record(r), experimentEnd: (info) => sink.experimentEnd(info), finish: () => 0 };
  // Measured requests in flight, per experiment, in the order they were sent.
  const waiting = new Map<number, InFlightRequest[]>();
  for (const req of sidecar.inFlight) {
    if (req.warmup) continue;
    const list = waiting.get(req.experiment) ?? [];
    list.push(req);
    waiting.set(req.experiment, list);
  }
  const exported = new Map<number, number>();
  return {
    finish() {
      let added = 0;
      const r = blankRecord();
      for (const [experiment, list] of waiting) {
        let index = Math.max(exported.get(experiment) ?? 0, sidecar.numbered(experiment));
        for (const req of list) {
          sidecar.placeInFlight(req, index, 'in_flight');
          r.experiment = experiment;
          r.index = index++;
          // Never ended as far as the export knows: no send time, no response, no prompt text.
          r.sendNs = NaN;
          r.responseCount = 0;
          r.promptWords = req.promptWords ?? -1;
          r.promptChars = -1;
          r.status = 'in_flight';
          sink.record(r);
          added++;
        }
      }
      waiting.clear();
      return added;
    },
    record(r) {
      if (r.index >= (exported.get(r.experiment) ?? 0)) exported.set(r.experiment, r.index + 1);
      // An export entry the sidecar numbered no request line for: its request line was lost (a
      // SIGKILL between the two writes), so it is one of the requests in flight there, taken in
      // the order sent; it ended (the export has it), and the sidecar's `sent` line gives its length.
      const list = waiting.get(r.experiment);
      if (list !== undefined && list.length > 0 && r.index >= sidecar.numbered(r.experiment) && sidecar.status(r.experiment, r.index) === null) {
        sidecar.placeInFlight(list.shift()!, r.index, null);
      }
      r.status = sidecar.status(r.experiment, r.index) ?? r.status;
      // Records are reused: a count from the sidecar is set, or cleared when this request has none.
      const output = sidecar.outputTokens(r.experiment, r.index);
      if (output !== null || r.outputTokens !== undefined) r.outputTokens = output ?? -1;
      sink.record(r);
    },
    experimentEnd: (info) => sink.experimentEnd(info),
  };
}

/**
 * What a reader of the export must be told when its capture did not end in order (the sidecar
 * has no end line, or says it was interrupted or stopped early), or null when it did: one
 * sentence, with the requests in flight `joinStatuses(…).finish()` counted as failed.
 */
export function captureEndNote(sidecar: Sidecar | null, inFlight: number): string | null {
  if (sidecar === null) return null;
  return endNote(sidecar.end === null ? null : { interrupted: sidecar.end.interrupted, stoppedReason: sidecar.end.stopped_reason ?? null }, sidecar.truncated, inFlight);
}

/**
 * The one sentence for a capture's end, from its end line (null: none, the capture was cut short):
 * for `palens analyze` of its files (captureEndNote) and for the capture's own report of itself.
 */
export function endNote(end: { interrupted: boolean; stoppedReason: string | null } | null, truncated: boolean, inFlight: number): string | null {
  const flights = inFlight > 0 ? `; ${inFlight} request${inFlight === 1 ? '' : 's'} in flight, counted as failed (status in_flight)` : '';
  const what =
    end === null
      ? `CUT SHORT: the capture has no end line in its sidecar (killed, or the disk filled${truncated ? '; its last line was cut short' : ''})`
      : end.interrupted
        ? `INTERRUPTED: the capture was interrupted${end.stoppedReason ? ` (${end.stoppedReason})` : ''}`
        : end.stoppedReason
          ? `STOPPED EARLY: ${end.stoppedReason}`
          : inFlight > 0
            ? 'the capture ended with requests in flight'
            : null;
  return what === null ? null : `${what}: only the requests that ended have latencies${flights}`;
}

/** A sidecar's header alone: the configuration and prompt unit, without reading its requests. */
export interface SidecarHeader {
  config: Record<string, unknown> | null;
  promptUnit: 'tokens' | 'words' | null;
}

/**
 * The header of the sidecar beside an export (the first line of the JSONL form, the document of
 * the earlier form), or null without one or when it cannot be read as one: for checks that
 * compare how files were captured, which must not read every request again.
 */
export async function readSidecarHeader(exportPath: string): Promise<SidecarHeader | null> {
  const file = findSidecar(exportPath);
  if (file === null) return null;
  let doc: Record<string, unknown>;
  try {
    if (file.endsWith('.jsonl')) {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      let first = '';
      for await (const line of lines) {
        first = line;
        break;
      }
      lines.close();
      doc = JSON.parse(first) as Record<string, unknown>;
    } else doc = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // The full read of the same sidecar reports what is wrong with it.
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const unit = (doc.prompt as { unit?: unknown } | undefined)?.unit;
  return {
    config: typeof doc.config === 'object' && doc.config !== null ? (doc.config as Record<string, unknown>) : null,
    promptUnit: unit === 'tokens' || unit === 'words' ? unit : null,
  };
}
