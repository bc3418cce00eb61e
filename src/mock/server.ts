/**
 * palens mock: a Triton-compatible gRPC server (ServerLive/Ready, ModelReady, ModelMetadata,
 * ModelConfig, ModelStreamInfer) whose decoupled models answer by a known latency law, with
 * injectable faults, logging when it emitted every response (the truth a capture is checked
 * against). It shares no code with the driver beyond the wire format: its transport is Node's
 * HTTP/2 (mock/http2-grpc.ts), the driver's is @grpc/grpc-js. Each ModelStreamInfer call is a
 * MockStream (mock/stream.ts).
 */
import { seeded } from '../records/random.js';
import { inferenceService, type Plain } from '../proto/codec.js';
import { type Clock, MonotonicClock } from '../records/clock.js';
import { type DuplexCall, listen, type Route } from './http2-grpc.js';
import { type LatencyLaw, LatencyModel } from './latency.js';
import { MODEL_NAMES, MODELS, type MockModel } from './models.js';
import { PreciseScheduler } from './scheduler.js';
import { type MockContext, MockStream } from './stream.js';
import { TruthLogFile } from './truth-log.js';

export interface MockFaults {
  /** Fraction of requests answered with an error instead of tokens (seeded). */
  errorRate: number;
  /** A stall of this many ms in the middle of a request's stream… */
  stallMs: number;
  /** …for this fraction of requests. */
  stallRate: number;
  /** After this many responses in all, every open connection is dropped, once (0 = never). */
  dropConnectionAfter: number;
}

export interface MockOptions {
  /** 0 picks a free port. */
  port: number;
  law: LatencyLaw;
  faults?: Partial<MockFaults>;
  /** Counts prompt tokens; whitespace words when absent. */
  countTokens?: (text: string) => number;
  /** Append a JSON line per emitted response to this file. */
  truthLog?: string;
  clock?: Clock;
}

/** One emitted response, as the mock saw it leave. */
export interface TruthEntry {
  id: string;
  model: string;
  /** Position of the response in its request's stream. */
  index: number;
  /** ns since the clock's anchor, once the batch of writes it was in had been handed to HTTP/2. */
  emittedNs: number;
  /** When the request's bytes reached the mock, before decoding; same clock. */
  arrivedNs: number;
  final: boolean;
  empty: boolean;
  error: string | null;
  promptTokens: number;
}

export interface RunningMock {
  port: number;
  target: string;
  truth: TruthEntry[];
  clock: Clock;
  /** Requests in flight now. */
  active(): number;
  close(): Promise<void>;
}

export async function startMock(o: MockOptions): Promise<RunningMock> {
  const clock = o.clock ?? new MonotonicClock();
  const latency = new LatencyModel(o.law);
  const faults: MockFaults = { errorRate: 0, stallMs: 0, stallRate: 0.1, dropConnectionAfter: 0, ...o.faults };
  const random = seeded(o.law.seed + 7);
  const countTokens = o.countTokens ?? ((t: string) => t.split(/\s+/).filter(Boolean).length);
  const truth: TruthEntry[] = [];
  const truthFile = new TruthLogFile(o.truthLog, truth, clock);
  const calls = new Set<DuplexCall<Plain, Plain>>();
  let dropAll = (): void => undefined;
  let emitted = 0;
  let dropped = false;
  const scheduler = new PreciseScheduler(clock, () => stampBatch());

  // Responses due together (a decode step's worth, when many streams are in lock-step) are written
  // in one batch and leave in one flush, after it: all are stamped once, when the batch is done,
  // as the client stamps all responses that arrive in one read once.
  const batch: TruthEntry[] = [];
  const stampBatch = (): void => {
    const now = clock.nowNs();
    for (const e of batch) e.emittedNs = now;
    batch.length = 0;
  };
  /** Records a response just handed to HTTP/2. */
  const record = (e: Omit<TruthEntry, 'emittedNs'>): void => {
    const entry: TruthEntry = { ...e, emittedNs: clock.nowNs() };
    truth.push(entry);
    if (scheduler.running) batch.push(entry);
    truthFile.added();
  };

  const ctx: MockContext = {
    clock,
    scheduler,
    latency,
    faults,
    random,
    countTokens,
    record,
    active: 0,
    emitted: () => {
      emitted++;
      if (faults.dropConnectionAfter > 0 && emitted >= faults.dropConnectionAfter && !dropped) {
        dropped = true;
        return true;
      }
      return false;
    },
    dropAll: () => dropAll(),
  };
  const model = (name: unknown): MockModel | undefined => MODELS[String(name)];
  const unary = <T>(fn: (req: Plain) => T): ((req: Plain) => T) => fn;
  const known = (req: Plain): MockModel => {
    const m = model(req.name);
    if (m === undefined) throw new Error(`Request for unknown model: '${String(req.name)}' is not found`);
    return m;
  };
  const tensorMeta = (m: MockModel, t: MockModel['inputs'][number]): Plain => ({
    name: t.name,
    datatype: t.datatype,
    shape: m.maxBatchSize > 0 ? [-1, ...t.dims] : t.dims,
  });

  const handlers = {
    ServerLive: unary(() => ({ live: true })),
    ServerReady: unary(() => ({ ready: true })),
    ModelReady: unary((req) => ({ ready: model(req.name) !== undefined })),
    RepositoryIndex: unary(() => ({ models: MODEL_NAMES.map((name) => ({ name, version: '1', state: 'READY', reason: '' })) })),
    ServerMetadata: unary(() => ({ name: 'palens-mock', version: '2.41.0', extensions: ['parameters'] })),
    ModelMetadata: unary((req) => {
      const m = known(req);
      return { name: m.name, versions: ['1'], platform: m.backend === '' ? 'ensemble' : m.backend, inputs: m.inputs.map((t) => tensorMeta(m, t)), outputs: m.outputs.map((t) => tensorMeta(m, t)) };
    }),
    ModelConfig: unary((req) => {
      const m = known(req);
      return {
        config: {
          name: m.name,
          platform: m.backend === '' ? 'ensemble' : '',
          backend: m.backend,
          max_batch_size: m.maxBatchSize,
          input: m.inputs.map((t) => ({ name: t.name, data_type: t.configType, dims: t.dims, optional: t.optional })),
          output: m.outputs.map((t) => ({ name: t.name, data_type: t.configType, dims: t.dims })),
          model_transaction_policy: { decoupled: true },
        },
      };
    }),
    ModelStreamInfer(call: DuplexCall<Plain, Plain>): void {
      calls.add(call);
      new MockStream(call, ctx, () => calls.delete(call));
    },
  };

  const routes: Record<string, Route> = {};
  for (const [name, m] of Object.entries(inferenceService)) {
    const codec = { decode: m.requestDeserialize as (b: Buffer) => unknown, encode: m.responseSerialize as (v: unknown) => Buffer };
    const h = (handlers as Record<string, unknown>)[name];
    if (h === undefined) continue;
    routes[m.path] = m.requestStream ? { codec, duplex: h as Route['duplex'] } : { codec, unary: h as Route['unary'] };
  }
  const raw = await listen(o.port, routes, () => clock.nowNs());
  dropAll = () => raw.dropAll();
  const port = raw.port;
  return {
    port,
    target: `127.0.0.1:${port}`,
    truth,
    clock,
    active: () => ctx.active,
    async close() {
      scheduler.stop();
      await raw.close();
      await truthFile.close();
    },
  };
}
