/**
 * A capture: checks the server and model, sends requests at the asked load level(s), stamps every
 * response on arrival, and hands each request, as it ends in whatever way, to its sinks as a
 * CaptureRecord: the perf_analyzer-format export, the append-only sidecar, and any live consumer
 * (the metrics that print the same analysis `palens analyze` would).
 *
 * The parts, each in its own module: the transport (driver/transport.ts; Triton gRPC by default),
 * the pacer (driver/pacer.ts: when the next request is due), the flight table (driver/flights.ts:
 * ids, lanes, deadlines, statuses), the stability judge (driver/stability.ts: perf_analyzer's
 * window rules), the record builder (driver/record-builder.ts) and the timing-health monitor
 * (driver/timing-health.ts). This file runs them: one `LevelRun` per load level.
 *
 * Durable at every instant (docs/SIDECAR.md): a request's `sent` line is on disk before its bytes
 * can leave; its `request` line and export entry follow as it ends; a second interrupt (process
 * exit) closes both files at once; a failed write (a full disk) stops the capture with an IoError.
 */
import { basename } from 'node:path';
import { countWords } from '../export/outputs.js';
import { SidecarWriter } from '../export/sidecar-writer.js';
import { ExportWriter } from '../export/writer.js';
import type { BuiltPrompt, PromptBuilder } from '../prompts/builder.js';
import type { Plain } from '../proto/codec.js';
import type { CaptureEnd, CaptureSink, CaptureStatus } from '../records/capture-record.js';
import type { Clock } from '../records/clock.js';
import { type PromptTokensCheck, PromptTokenTally } from '../records/prompt-token-check.js';
import { FailureRule, type FailurePolicy } from './failure-rule.js';
import { type Flight, FlightTable } from './flights.js';
import { type Pacer, pacerFor } from './pacer.js';
import { ID_PREFIX, waitForStart } from './shard.js';
import type { ModelInfo, RequestPlan, RequestSource } from './presets.js';
import { RecordBuilder } from './record-builder.js';
import { ResponseLog } from './response-log.js';
import { judge, type WindowStat } from './stability.js';
import { TimingMonitor } from './timing-health.js';
import type { Lane, Transport, TransportResponse } from './transport.js';
import { TritonTransport } from './triton-transport.js';

export interface LoadLevel {
  mode: 'concurrency' | 'request_rate';
  value: number;
}

export interface WindowSpec {
  mode: 'count_windows' | 'time_windows';
  requestCount: number;
  intervalMs: number;
  stabilityPercent: number;
  maxTrials: number;
}

export type RequestStatus = CaptureStatus;

export interface CaptureConfig {
  target: string;
  model: string;
  makeSource: (model: ModelInfo) => Promise<RequestSource>;
  prompts: PromptBuilder | null;
  promptUnit: 'tokens' | 'words' | null;
  tokenizer: string | null;
  levels: LoadLevel[];
  arrival: 'constant' | 'poisson';
  warmup: number;
  requestCount: number | null;
  windows: WindowSpec;
  exportFile: string;
  timeoutMs: number;
  /** Stop after more than this many failed requests; null: the default rule (driver/failure-rule.ts). */
  maxErrors: number | null;
  graceMs: number;
  seed: number;
  /** Streams for open-loop (request-rate) load. @default 8 */
  rateStreams?: number;
  /** Every request id starts with it (driver/shard.ts: unique across shards). @default 'palens-' */
  idPrefix?: string;
  /** Hold the first request until this moment, ns since the epoch (--start-at: shards begin together). */
  startAtNs?: bigint;
  /** The resolved configuration, for the sidecar. */
  config: Record<string, unknown>;
  clock: Clock;
  signal?: AbortSignal;
  onProgress?: (p: CaptureProgress) => void;
  /** Called once both files exist (after the server answered its checks): from here on, any exit leaves them readable. */
  onFilesOpen?: () => void;
  /** Sinks beside the export and the sidecar (e.g. live metrics). */
  sinks?: CaptureSink[];
  /** The server protocol; Triton KServe gRPC at `target` by default. */
  transport?: Transport;
}

export interface CaptureProgress {
  level: number;
  levels: number;
  sent: number;
  done: number;
  errors: number;
  phase: 'warmup' | 'measure' | 'drain';
}

export interface LevelResult {
  index: number;
  mode: LoadLevel['mode'];
  value: number;
  requests: number;
  windows: number;
  stable: boolean | null;
  statuses: Record<RequestStatus, number>;
  scheduleLagNs: { p50: number; p99: number; max: number } | null;
  /** Mean TTFT measured from the intended send time (open loop), ns. */
  ttftFromIntendedMeanNs: number | null;
  ttftFromSendMeanNs: number | null;
  /** OpenAI captures: the server's usage.prompt_tokens against palens's prompt length, over measured requests; null otherwise. */
  promptTokens: PromptTokensCheck | null;
}

export interface CaptureResult {
  exportFile: string;
  sidecarFile: string;
  interrupted: boolean;
  stoppedReason: string | null;
  /** The first server error text, when requests failed. */
  firstError: string | null;
  /** What the transport saw that no record shows (driver/transport.ts `notes`). */
  notes: string[];
  levels: LevelResult[];
  server: Plain;
  model: ModelInfo;
  timingHealth: CaptureEnd['timingHealth'];
}

const STATUSES: RequestStatus[] = ['ok', 'server_error', 'timeout', 'cancelled', 'client_error'];

/** What a request in flight carries until it ends. */
interface InFlight {
  experiment: number;
  warmup: boolean;
  intendedNs: number | null;
  sendNs: number;
  /** The transport's stamp right before the request's write (`leaving`), or NaN until it comes. */
  leftNs: number;
  /** Handed to the lane (the server may see it). */
  written: boolean;
  prompt: BuiltPrompt | null;
  plan: RequestPlan;
  bytes: Buffer;
  responses: ResponseLog;
}

/**
 * The sinks as one: a sink whose write fails is dropped (the others keep going), and the first
 * failure stops the capture.
 */
class Fanout {
  private live: CaptureSink[];
  failure: unknown = null;

  constructor(
    sinks: CaptureSink[],
    private readonly onFailure: () => void,
  ) {
    this.live = [...sinks];
  }

  call(fn: (s: CaptureSink) => void): void {
    for (const s of [...this.live]) {
      try {
        fn(s);
      } catch (e) {
        this.fail(s, e);
      }
    }
  }

  fail(sink: CaptureSink | null, e: unknown): void {
    if (sink !== null) this.live = this.live.filter((s) => s !== sink);
    if (this.failure === null) {
      this.failure = e;
      this.onFailure();
    }
  }
}

/** What the whole capture shares across its levels. */
interface Shared {
  cfg: CaptureConfig;
  transport: Transport;
  model: ModelInfo;
  source: RequestSource;
  sinks: Fanout;
  sidecar: SidecarWriter;
  builder: RecordBuilder;
  timing: TimingMonitor;
  failures: FailureRule;
  stop: { interrupted: boolean; reason: string | null; wake: () => void };
  serial: number;
  totals: CaptureEnd['totals'];
}

export async function capture(cfg: CaptureConfig): Promise<CaptureResult> {
  const clock = cfg.clock;
  const transport: Transport = cfg.transport ?? new TritonTransport(cfg.target, clock);
  let pre;
  try {
    pre = await transport.preflight(cfg.model, cfg.makeSource);
  } catch (e) {
    transport.close();
    throw e;
  }
  const { server, model, source } = pre;
  if (cfg.startAtNs !== undefined) await waitForStart(cfg.startAtNs, clock, cfg.signal);
  const epoch = (ns: number): string => clock.epochNs(ns);
  const stop = { interrupted: false, reason: null as string | null, wake: (): void => undefined };
  let sidecar: SidecarWriter;
  let exporter: ExportWriter;
  try {
    exporter = new ExportWriter(cfg.exportFile, epoch, transport.exportKind);
    sidecar = new SidecarWriter(
      cfg.exportFile,
      epoch,
      {
        export: basename(cfg.exportFile),
        clock: clock.name,
        config: cfg.config,
        server: { target: cfg.target, ...server },
        model,
        prompt: { unit: cfg.promptUnit ?? (cfg.tokenizer ? 'tokens' : 'words'), tokenizer: cfg.tokenizer },
      },
      (e) => sinks.fail(sidecar, e),
    );
  } catch (e) {
    transport.close();
    throw e;
  }
  cfg.onFilesOpen?.();
  const sinks: Fanout = new Fanout([exporter, sidecar, ...(cfg.sinks ?? [])], () => {
    stop.reason ??= 'a file could not be written';
    stop.wake();
  });
  const shared: Shared = {
    cfg,
    transport,
    model,
    source,
    sinks,
    sidecar,
    builder: new RecordBuilder(),
    timing: new TimingMonitor(),
    failures: new FailureRule(failurePolicy(cfg.maxErrors)),
    stop,
    serial: 0,
    totals: { sent: 0, ok: 0, failed: 0, in_flight: 0 },
  };
  const abort = (): void => {
    stop.interrupted = true;
    stop.wake();
  };
  cfg.signal?.addEventListener('abort', abort);
  if (cfg.signal?.aborted) stop.interrupted = true;
  // A second interrupt ends the process at once: both files are closed on the way out, and the
  // requests still in flight keep only their `sent` lines (in flight, to a reader).
  const onExit = (): void => {
    const end = endLine(shared, 'exited at once (a second interrupt)', true);
    exporter.closeNow();
    sidecar.closeNow(end);
  };
  process.once('exit', onExit);
  const results: LevelResult[] = [];
  shared.timing.start();
  try {
    for (const [index, level] of cfg.levels.entries()) {
      // The first level always opens, so that even an export interrupted at once holds an experiment.
      if (index > 0 && (stop.interrupted || stop.reason !== null)) break;
      results.push(await new LevelRun(shared, index, level).run());
    }
  } finally {
    shared.timing.stop();
    cfg.signal?.removeEventListener('abort', abort);
    process.off('exit', onExit);
    transport.close();
    const end = endLine(shared, stop.reason, stop.interrupted);
    sinks.call((s) => s.end(end));
    exporter.closeNow();
    sidecar.closeNow(end);
  }
  if (sinks.failure !== null) throw sinks.failure;
  return {
    exportFile: cfg.exportFile,
    sidecarFile: sidecar.file,
    interrupted: stop.interrupted,
    stoppedReason: stop.reason,
    firstError: shared.failures.firstError,
    notes: transport.notes?.() ?? [],
    levels: results,
    server,
    model,
    timingHealth: shared.timing.health(transport),
  };
}

function failurePolicy(maxErrors: number | null): FailurePolicy {
  return maxErrors === null ? { kind: 'default' } : { kind: 'max_errors', maxErrors };
}

function endLine(s: Shared, reason: string | null, interrupted: boolean): CaptureEnd {
  return { interrupted, stoppedReason: reason, timingHealth: s.timing.health(s.transport), totals: { ...s.totals, in_flight: s.totals.sent - s.totals.ok - s.totals.failed } };
}

/** One load level, from its first request to its last. */
class LevelRun {
  private readonly cfg: CaptureConfig;
  private readonly flights: FlightTable<InFlight>;
  private readonly lanes: (Lane | null)[];
  private readonly pacer: Pacer;
  private readonly statuses = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<RequestStatus, number>;
  private phase: CaptureProgress['phase'];
  private sending = true;
  private sent = 0;
  private done = 0;
  private warmSent = 0;
  private warmDone = 0;
  private errors = 0;
  /** Requests decided this turn, written together after it (see `writeQueued`). */
  private readonly queued: Flight<InFlight>[] = [];
  // Windows: completions and latency since the current one began.
  private readonly windowBounds: number[] = [];
  private readonly windowStats: WindowStat[] = [];
  private windowDone = 0;
  private windowLatency = 0;
  private windowStart = 0;
  private stable: boolean | null;
  private wake: (() => void) | null = null;
  private ttftFromSend = { sum: 0, n: 0 };
  private ttftFromIntended = { sum: 0, n: 0 };
  private readonly promptCheck = new PromptTokenTally();

  constructor(
    private readonly s: Shared,
    private readonly index: number,
    private readonly level: LoadLevel,
  ) {
    this.cfg = s.cfg;
    const lanes = level.mode === 'concurrency' ? Math.max(1, Math.round(level.value)) : (this.cfg.rateStreams ?? 8);
    this.flights = new FlightTable(lanes);
    this.lanes = new Array<Lane | null>(lanes).fill(null);
    this.pacer = pacerFor(level, this.cfg.arrival, (this.cfg.seed ^ 0x5eed) + index);
    this.phase = this.cfg.warmup > 0 ? 'warmup' : 'measure';
    this.stable = this.cfg.requestCount === null ? false : null;
  }

  private get clock(): Clock {
    return this.cfg.clock;
  }

  private get halted(): boolean {
    return this.s.stop.interrupted || this.s.stop.reason !== null;
  }

  async run(): Promise<LevelResult> {
    const { cfg, s } = this;
    s.sinks.call((k) => k.experimentStart({ index: this.index, mode: this.level.mode, value: this.level.value }));
    s.stop.wake = () => this.wake?.();
    // One coarse tick for deadlines and time windows, instead of a timer per request.
    const tick = setInterval(() => this.tick(), 50);
    try {
      if (cfg.warmup > 0) await this.warmUp();
      this.phase = 'measure';
      this.windowStart = this.clock.nowNs();
      this.windowBounds.push(this.windowStart);
      this.progress();
      await (this.level.mode === 'concurrency' ? this.closedLoop() : this.openLoop());
      await this.drain();
      if (cfg.requestCount !== null || this.windowBounds.length === 1) this.windowBounds.push(this.clock.nowNs());
    } finally {
      clearInterval(tick);
      s.stop.wake = () => undefined;
      for (const lane of this.lanes) lane?.close();
    }
    s.sinks.call((k) =>
      k.experimentEnd({
        index: this.index,
        mode: this.level.mode,
        value: this.level.value,
        windows: Math.max(0, this.windowBounds.length - 1),
        requests: this.done,
        windowBoundariesNs: this.windowBounds.map(Math.round),
        stable: this.stable,
      }),
    );
    const lag = this.s.timing.levelLag(this.index);
    return {
      index: this.index,
      mode: this.level.mode,
      value: this.level.value,
      requests: this.done,
      windows: Math.max(0, this.windowBounds.length - 1),
      stable: this.stable,
      statuses: this.statuses,
      scheduleLagNs: lag,
      ttftFromIntendedMeanNs: this.ttftFromIntended.n > 0 ? this.ttftFromIntended.sum / this.ttftFromIntended.n : null,
      ttftFromSendMeanNs: this.ttftFromSend.n > 0 ? this.ttftFromSend.sum / this.ttftFromSend.n : null,
      promptTokens: this.promptCheck.result(),
    };
  }

  /** Warm-up: excluded from the export and the metrics, kept in the sidecar. */
  private async warmUp(): Promise<void> {
    while (this.warmSent < this.cfg.warmup && !this.halted) {
      const free = this.flights.freeLane();
      if (free >= 0) this.send(free, true, null);
      else await this.event();
    }
    while (this.warmDone < this.warmSent && !this.halted) await this.event();
  }

  private more(): boolean {
    return !this.halted && this.sending && (this.cfg.requestCount === null || this.sent < this.cfg.requestCount);
  }

  /** Closed loop: a request whenever a lane is free. */
  private async closedLoop(): Promise<void> {
    while (this.more()) {
      const free = this.flights.freeLane();
      if (free >= 0) this.send(free, false, null);
      else await this.event();
    }
  }

  /** Open loop: each request at its intended time, whatever is in flight, round robin over the lanes. */
  private async openLoop(): Promise<void> {
    const start = this.clock.nowNs();
    while (this.more()) {
      const waitNs = this.pacer.waitNs(this.clock.nowNs() - start, this.sent);
      if (waitNs > 0) {
        await this.event(waitNs / 1e6);
        continue;
      }
      this.send(this.sent % this.lanes.length, false, start + this.pacer.intendedNs(this.sent)!);
    }
  }

  /** Waits for what is in flight; after an interrupt, for the grace period only, then cancels the rest. */
  private async drain(): Promise<void> {
    this.phase = 'drain';
    this.progress();
    let until = Infinity;
    while (this.flights.size > 0) {
      if (this.s.sinks.failure !== null) break;
      if (this.s.stop.interrupted && until === Infinity) until = this.clock.nowNs() + this.cfg.graceMs * 1e6;
      if (this.clock.nowNs() >= until) break;
      await this.event(until === Infinity ? undefined : (until - this.clock.nowNs()) / 1e6);
    }
    const cut = this.flights.flying();
    for (const f of cut) this.finish(f, 'cancelled', this.s.sinks.failure !== null ? 'the capture stopped: a file could not be written' : 'the capture was interrupted before the final response');
    // Lanes that still carried requests are cancelled, so a stalled server cannot hold the process.
    if (cut.length > 0) for (const lane of this.lanes) lane?.cancel();
  }

  private event(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      const t = timeoutMs === undefined ? null : setTimeout(() => this.wake?.(), Math.max(0, timeoutMs));
      this.wake = () => {
        if (t !== null) clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private progress(): void {
    this.cfg.onProgress?.({ level: this.index, levels: this.cfg.levels.length, sent: this.sent, done: this.done, errors: this.errors, phase: this.phase });
  }

  private lane(k: number): Lane {
    let lane = this.lanes[k];
    if (lane === null || lane === undefined) {
      lane = this.s.transport.openLane({
        response: (stampNs, r) => this.onResponse(stampNs, r),
        leaving: (id, stampNs) => this.onLeaving(id, stampNs),
        end: (e) => {
          this.lanes[k] = null;
          const why = e === null ? 'the stream ended before the final response' : `stream failed: ${e.message}`;
          for (const f of this.flights.flying(k)) this.finish(f, 'client_error', why);
        },
      });
      this.lanes[k] = lane;
    }
    return lane;
  }

  private send(lane: number, warmup: boolean, intendedNs: number | null): void {
    const { s } = this;
    const prompt = s.source.needsPrompts ? this.cfg.prompts!.next() : null;
    const plan = s.source.next(prompt?.text ?? null);
    const id = `${this.cfg.idPrefix ?? ID_PREFIX}${this.index}-${s.serial++}`;
    const bytes = s.transport.encode(s.model, plan, id);
    this.lane(lane);
    const f = this.flights.open(id, lane, { experiment: this.index, warmup, intendedNs, sendNs: 0, leftNs: NaN, written: false, prompt, plan, bytes, responses: new ResponseLog() });
    this.queued.push(f);
    if (this.queued.length === 1) setImmediate(() => this.writeQueued());
    if (warmup) this.warmSent++;
    else this.sent++;
  }

  /**
   * Requests are written after the event-loop turn that made them, in one loop, and stamped
   * together right after it. Nothing can leave while that loop and its microtasks run (Node's
   * HTTP/2 layer flushes after the callback), so the stamp is never after the bytes leave and a
   * TTFT is never shorter than the server's; and it is not early by the rest of the turn — when
   * many streams finish together, processing their responses (milliseconds at 128 streams,
   * bench/driver.ts) happens before the writes, not between a stamp and its write. A transport
   * that stamps its own writes (`leaving`: the OpenAI client writes each request to its socket at
   * once, or once a new socket connects) gives each request that stamp instead. Their `sent` lines
   * go to the sidecar, synchronously, before any of them is written: a request the server
   * may see is never missing from the sidecar.
   */
  private writeQueued(): void {
    const { s } = this;
    const batch = this.queued.filter((f) => f.status === null);
    this.queued.length = 0;
    for (const f of batch) {
      const d = f.data;
      s.sinks.call((k) =>
        k.sent({
          experiment: this.index,
          id: f.id,
          warmup: d.warmup,
          intendedNs: d.intendedNs === null ? NaN : Math.round(d.intendedNs),
          promptTokens: d.prompt?.tokens ?? -1,
          promptWords: d.prompt?.words ?? (d.plan.prompt === null ? -1 : countWords(d.plan.prompt)),
        }),
      );
    }
    try {
      s.sidecar.flush();
    } catch (e) {
      // Not on disk, so not sent: the server never sees these.
      s.sinks.fail(s.sidecar, e);
      for (const f of batch) this.flights.finish(f, 'cancelled', 'not sent: the sidecar could not be written');
      return;
    }
    for (const f of batch) {
      if (f.status !== null) continue;
      const lane = this.lanes[f.lane];
      if (lane === null || lane === undefined) this.finish(f, 'client_error', 'the stream ended before the request was written');
      else {
        lane.send(f.data.bytes);
        f.data.written = true;
      }
    }
    const now = this.clock.nowNs();
    const timeoutNs = this.cfg.timeoutMs * 1e6;
    for (const f of batch) {
      if (f.status !== null) continue;
      // A write the transport stamped inside `send` (its bytes left then): that stamp, not the turn's.
      f.data.sendNs = Number.isNaN(f.data.leftNs) ? now : f.data.leftNs;
      this.flights.sent(f, now, timeoutNs);
      s.totals.sent++;
      if (f.data.intendedNs !== null && !f.data.warmup) s.timing.lag(this.index, Math.max(0, Math.round(now - f.data.intendedNs)));
    }
  }

  /** A transport that stamps its own writes says when this request's write comes (driver/transport.ts `leaving`). */
  private onLeaving(id: string, stampNs: number): void {
    const f = this.flights.get(id);
    if (f === undefined) return;
    f.data.leftNs = stampNs;
    // Written later than `send` (a socket still connecting): the send stamp moves to the write.
    if (f.data.written && f.data.sendNs > 0) f.data.sendNs = stampNs;
  }

  private onResponse(stampNs: number, r: TransportResponse): void {
    const f = this.flights.get(r.id);
    if (f === undefined) return; // a late answer to a request already timed out or cancelled
    if (r.error !== '') return this.finish(f, 'server_error', r.error);
    f.data.responses.add(stampNs, r);
    if (r.final) this.finish(f, 'ok', null);
  }

  private tick(): void {
    const now = this.clock.nowNs();
    for (const f of this.flights.expired(now)) this.finish(f, 'timeout', `no final response within ${this.cfg.timeoutMs} ms`);
    const w = this.cfg.windows;
    if (this.phase === 'measure' && this.cfg.requestCount === null && w.mode === 'time_windows' && now - this.windowStart >= w.intervalMs * 1e6) this.closeWindow();
    this.wake?.();
  }

  private finish(f: Flight<InFlight>, status: RequestStatus, error: string | null): void {
    if (this.flights.finish(f, status, error) === null) return;
    const { s } = this;
    const d = f.data;
    if (!d.written) {
      // Never written (its lane failed first): nothing was sent, nothing to record.
      if (d.warmup) this.warmSent--;
      else this.sent--;
      this.wake?.();
      return;
    }
    // A request given up on is stopped on the wire (an OpenAI stream's socket is closed), so the
    // server sees the cancellation and the client stops reading it; its status stays as decided here.
    if (status === 'timeout' || status === 'cancelled') s.transport.abandon?.(f.id);
    const record = s.builder.build({
      id: f.id,
      experiment: this.index,
      index: d.warmup ? this.warmDone : this.done,
      warmup: d.warmup,
      status,
      error,
      sendNs: d.sendNs,
      intendedNs: d.intendedNs,
      promptTokens: d.prompt?.tokens ?? -1,
      requestInputs: s.transport.requestInputs(d.plan),
      responses: d.responses,
      extras: s.transport.requestExtras?.(f.id, d.prompt?.tokens ?? -1) ?? null,
    });
    s.sinks.call((k) => k.record(record));
    if (status === 'ok') s.totals.ok++;
    else {
      s.totals.failed++;
      this.errors++;
    }
    const verdict = s.failures.add(status, error);
    if (verdict !== null && s.stop.reason === null) {
      s.stop.reason = verdict;
      this.sending = false;
    }
    if (d.warmup) this.warmDone++;
    else {
      this.statuses[status]++;
      this.done++;
      this.promptCheck.add(record.extras?.tokens);
      this.measured(record.responseCount, record.responseNs, record.responseEmpty, record.sendNs, record.intendedNs);
    }
    this.progress();
    this.wake?.();
  }

  /** A measured request ended: its first-token time (for the open-loop comparison) and its window. */
  private measured(n: number, ns: Float64Array, empty: Uint8Array | null, sendNs: number, intendedNs: number): void {
    let first = -1;
    for (let k = 0; k < n && first < 0; k++) if (empty === null || empty[k] === 0) first = ns[k]!;
    if (first >= 0) {
      this.ttftFromSend.sum += Math.max(0, first - sendNs);
      this.ttftFromSend.n++;
      if (!Number.isNaN(intendedNs)) {
        this.ttftFromIntended.sum += Math.max(0, first - intendedNs);
        this.ttftFromIntended.n++;
      }
    }
    if (this.phase === 'measure' && this.cfg.requestCount === null) {
      this.windowDone++;
      this.windowLatency += (n > 0 ? ns[n - 1]! : sendNs) - sendNs;
      if (this.cfg.windows.mode === 'count_windows' && this.windowDone >= this.cfg.windows.requestCount) this.closeWindow();
    }
  }

  private closeWindow(): void {
    const now = this.clock.nowNs();
    this.windowBounds.push(now);
    const seconds = (now - this.windowStart) / 1e9;
    this.windowStats.push({ throughput: seconds > 0 ? this.windowDone / seconds : 0, latencyNs: this.windowDone > 0 ? this.windowLatency / this.windowDone : 0 });
    this.windowStart = now;
    this.windowDone = 0;
    this.windowLatency = 0;
    const verdict = judge(this.windowStats, this.cfg.windows);
    if (verdict === 'stable') this.stable = true;
    if (verdict !== 'measure_more') this.sending = false;
    this.wake?.();
  }
}
