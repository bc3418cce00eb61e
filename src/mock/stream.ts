/**
 * One ModelStreamInfer call on the mock: a `MockStream` per call (its timers, its requests still
 * being answered, its half-close), and a `MockGeneration` per request on it (the latency law's
 * schedule of responses, encoded ahead of their due time, faults, the truth record of each one).
 */
import { encodeTensor, type Plain } from '../proto/codec.js';
import type { Clock } from '../records/clock.js';
import type { DuplexCall } from './http2-grpc.js';
import type { LatencyModel } from './latency.js';
import { MockRequestError, type MockModel, MODELS, readInputs } from './models.js';
import type { PreciseScheduler, Scheduled } from './scheduler.js';
import type { MockFaults, TruthEntry } from './server.js';

const WORDS = 'the model streams one token at a time while the client measures how long each one takes to arrive'.split(' ');

/** An empty final response comes this long after the last token (the decoupled models' habit). */
const EMPTY_FINAL_AFTER_NS = 50_000;

/** What every stream of one mock shares. */
export interface MockContext {
  clock: Clock;
  scheduler: PreciseScheduler;
  latency: LatencyModel;
  faults: MockFaults;
  random: () => number;
  countTokens: (text: string) => number;
  /** Records a response just handed to HTTP/2 in the truth log. */
  record(e: Omit<TruthEntry, 'emittedNs'>): void;
  /** Requests being answered, over every stream. */
  active: number;
  /** Counts one emitted response; true when the connections are to be dropped now (once). */
  emitted(): boolean;
  dropAll(): void;
}

export const paramValue = (p: Plain | undefined): unknown => {
  if (p === undefined || p === null) return undefined;
  for (const k of ['bool_param', 'int64_param', 'string_param', 'double_param', 'uint64_param']) {
    if (p[k] !== undefined && p[k] !== null) return p[k];
  }
  return undefined;
};

export class MockStream {
  private readonly timers = new Set<Scheduled>();
  private pending = 0;
  private ended = false;

  constructor(
    readonly call: DuplexCall<Plain, Plain>,
    readonly ctx: MockContext,
    private readonly onGone: () => void,
  ) {
    call.on('cancelled', () => this.stop());
    call.on('close', () => this.stop());
    call.on('end', () => {
      this.ended = true;
      this.finishIfDone();
    });
    call.on('data', (req: Plain, arrivedNs: number) => this.request(req, arrivedNs));
  }

  /** Runs `fn` at `atNs` on the mock's clock, unless the stream goes first. */
  at(atNs: number, fn: () => void): void {
    const t = this.ctx.scheduler.at(atNs, () => {
      this.timers.delete(t);
      fn();
    });
    this.timers.add(t);
  }

  /** One request has been answered in full (or failed). */
  done(): void {
    this.ctx.active--;
    this.pending--;
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (this.ended && this.pending === 0) this.call.end();
  }

  private stop(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.onGone();
  }

  private request(req: Plain, arrivedNs: number): void {
    const id = String(req.id ?? '');
    const modelName = String(req.model_name);
    this.ctx.active++;
    this.pending++;
    const m = MODELS[modelName];
    if (m === undefined) return this.fail(id, modelName, arrivedNs, `Request for unknown model: '${modelName}' is not found`, 0);
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries((req.parameters as Record<string, Plain>) ?? {})) params[k] = paramValue(v);
    let gen;
    try {
      gen = m.parse(readInputs(m, req), params);
    } catch (e) {
      if (e instanceof MockRequestError) return this.fail(id, modelName, arrivedNs, e.message, 0);
      throw e;
    }
    const promptTokens = this.ctx.countTokens(gen.prompt);
    const ttft = this.ctx.latency.ttftNs(promptTokens);
    if (this.ctx.faults.errorRate > 0 && this.ctx.random() < this.ctx.faults.errorRate) return this.fail(id, modelName, arrivedNs, 'mock: injected error', ttft);
    new MockGeneration(this, m, id, arrivedNs, gen, promptTokens, ttft, params.triton_enable_empty_final_response === true).start();
  }

  /** An error response instead of tokens, `afterNs` after the request arrived. */
  private fail(id: string, model: string, arrivedNs: number, message: string, afterNs: number): void {
    this.at(arrivedNs + afterNs, () => {
      const wrote = this.call.write({ error_message: message, infer_response: { id, model_name: model, model_version: '1', parameters: { triton_final_response: { bool_param: true } } } });
      if (wrote) this.ctx.record({ id, model, index: 0, arrivedNs, final: true, empty: true, error: message, promptTokens: 0 });
      this.done();
    });
  }
}

type Generation = ReturnType<MockModel['parse']>;

/** One request's responses, by the latency law, each due at an absolute time from the request's arrival. */
class MockGeneration {
  private readonly count: number;
  private readonly words: string[] = [];
  private readonly stallAt: number;
  private readonly shape: number[];
  private k = 0;
  private due: number;
  /** The next response, encoded before it is due, so that at its due time only the write remains. */
  private ready: Buffer | null;

  constructor(
    private readonly s: MockStream,
    private readonly m: MockModel,
    private readonly id: string,
    private readonly arrivedNs: number,
    private readonly gen: Generation,
    private readonly promptTokens: number,
    ttftNs: number,
    private readonly wantsEmptyFinal: boolean,
  ) {
    const faults = s.ctx.faults;
    this.stallAt = faults.stallMs > 0 && s.ctx.random() < faults.stallRate ? Math.floor(gen.maxTokens / 2) : -1;
    this.count = gen.stream ? gen.maxTokens : 1;
    for (let k = 0; k < gen.maxTokens; k++) this.words.push(WORDS[(k + promptTokens) % WORDS.length]!);
    this.shape = m.maxBatchSize > 0 ? [1, 1] : [1];
    this.due = ttftNs;
    this.ready = this.encode(0);
  }

  start(): void {
    this.s.at(this.arrivedNs + this.due, () => this.emit());
  }

  private encode(k: number): Buffer {
    const { gen, m, words } = this;
    let text: string;
    if (!gen.stream) text = (gen.includePrompt ? gen.prompt : '') + words.join(' ');
    else if (m.cumulative) text = gen.prompt + ' ' + words.slice(0, k + 1).join(' ');
    else text = (k === 0 ? '' : ' ') + words[k]!;
    return this.s.call.encode({
      infer_response: {
        model_name: m.name,
        model_version: '1',
        id: this.id,
        parameters: { triton_final_response: { bool_param: k === this.count - 1 && !m.separateFinal } },
        outputs: [{ name: m.outputs[0]!.name, datatype: 'BYTES', shape: this.shape }],
        raw_output_contents: [encodeTensor('BYTES', [text])],
      },
    });
  }

  private emit(): void {
    const { s, m, k } = this;
    const frame = this.ready ?? this.encode(k);
    this.ready = null;
    if (!s.call.writeFramed(frame)) return;
    const last = k === this.count - 1;
    s.ctx.record({ id: this.id, model: m.name, index: k, arrivedNs: this.arrivedNs, final: last && !m.separateFinal, empty: false, error: null, promptTokens: this.promptTokens });
    // Once: every open connection goes; new ones are served again.
    if (s.ctx.emitted()) return s.ctx.dropAll();
    if (last) return this.end();
    this.k++;
    this.due += s.ctx.latency.gapNs(this.promptTokens + this.k, s.ctx.active) + (this.k === this.stallAt ? s.ctx.faults.stallMs * 1e6 : 0);
    this.start();
    const next = this.k;
    setImmediate(() => {
      if (this.k === next && this.ready === null && !s.call.destroyed) this.ready = this.encode(next);
    });
  }

  /** After the last token: the separate empty final, when the model sends one and the client asked for it. */
  private end(): void {
    const { s, m } = this;
    if (!(m.separateFinal && this.wantsEmptyFinal)) return s.done();
    s.at(s.ctx.clock.nowNs() + EMPTY_FINAL_AFTER_NS, () => {
      if (s.call.write({ infer_response: { model_name: m.name, model_version: '1', id: this.id, parameters: { triton_final_response: { bool_param: true } } } })) {
        s.ctx.record({ id: this.id, model: m.name, index: this.k + 1, arrivedNs: this.arrivedNs, final: true, empty: true, error: null, promptTokens: this.promptTokens });
      }
      s.done();
    });
  }
}
