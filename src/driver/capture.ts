/**
 * A capture: checks the server and model, sends requests at the asked load level(s) over
 * ModelStreamInfer, stamps every response on arrival, and writes each finished request to a
 * perf_analyzer-format export at once (with its status in the sidecar), so that an interrupted or
 * failing run still leaves a valid export in which every sent request has a final status.
 *
 * Load follows perf_analyzer: closed loop over N concurrent streams (one request in flight per
 * stream), or open loop at a request rate (each request has an intended send time; the lag between
 * intended and actual send is kept). Measurement is either exactly --request-count requests, or
 * windows (count or time) repeated until the last three agree within --stability-percentage on
 * throughput and mean latency, or --max-trials windows have passed.
 */
import { basename } from 'node:path';
import { ServerError } from '../errors.js';
import { countWords } from '../export/outputs.js';
import { ExportWriter, writeSidecar } from '../export/writer.js';
import { summarize } from '../metrics/distribution.js';
import { ExactSample } from '../metrics/samples.js';
import type { BuiltPrompt, PromptBuilder } from '../prompts/builder.js';
import { encodeRequest, type Plain } from '../proto/codec.js';
import { seeded } from '../records/random.js';
import type { Clock } from '../records/clock.js';
import { VERSION } from '../version.js';
import { type InferStream, TritonClient } from './client.js';
import type { StreamResponse } from './decode.js';
import { ResponseLog } from './response-log.js';
import { inferRequest, type ModelInfo, modelInfo, type RequestPlan, type RequestSource } from './presets.js';

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

export type RequestStatus = 'ok' | 'server_error' | 'timeout' | 'cancelled' | 'client_error';

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
  maxErrors: number | null;
  graceMs: number;
  seed: number;
  /** Streams for open-loop (request-rate) load. @default 8 */
  rateStreams?: number;
  /** The resolved configuration, for the sidecar. */
  config: Record<string, unknown>;
  clock: Clock;
  signal?: AbortSignal;
  onProgress?: (p: CaptureProgress) => void;
}

export interface CaptureProgress {
  level: number;
  levels: number;
  sent: number;
  done: number;
  errors: number;
  phase: 'warmup' | 'measure' | 'drain';
}

interface Flight {
  id: string;
  /** Position in the experiment's export (warm-up requests: position among the warm-ups). */
  index: number;
  warmup: boolean;
  intendedNs: number | null;
  sendNs: number;
  responses: ResponseLog;
  status: RequestStatus | null;
  error: string | null;
  prompt: BuiltPrompt | null;
  plan: RequestPlan;
  slot: Slot;
  deadlineNs: number;
}

interface Slot {
  stream: InferStream | null;
  flights: Map<string, Flight>;
}

export interface SidecarRequest {
  index: number;
  id: string;
  prompt_tokens: number | null;
  prompt_words: number | null;
  intended_send_ns: string | null;
  send_ns: string;
  status: RequestStatus;
  error: string | null;
  responses: number;
}

export interface LevelResult {
  index: number;
  mode: LoadLevel['mode'];
  value: number;
  requests: number;
  windows: number;
  stable: boolean | null;
  statuses: Record<RequestStatus, number>;
  scheduleLagNs: { p50: number | null; p99: number | null; max: number | null } | null;
  /** Mean TTFT measured from the intended send time (open loop), ns. */
  ttftFromIntendedMeanNs: number | null;
  ttftFromSendMeanNs: number | null;
}

export interface CaptureResult {
  exportFile: string;
  sidecarFile: string;
  interrupted: boolean;
  stoppedReason: string | null;
  levels: LevelResult[];
  server: Plain;
  model: ModelInfo;
}

const STATUSES: RequestStatus[] = ['ok', 'server_error', 'timeout', 'cancelled', 'client_error'];

/** Checks the server and the model before anything is sent; fails fast with what is wrong. */
async function preflight(client: TritonClient, cfg: CaptureConfig): Promise<{ server: Plain; model: ModelInfo; source: RequestSource }> {
  let live: Plain;
  try {
    live = await client.unary('ServerLive', {}, 5000);
  } catch (e) {
    throw new ServerError(`cannot reach a Triton gRPC server (${(e as Error).message.replace(/^ServerLive: /, '')})`, cfg.target, e, 'is the server running, and is this its gRPC port (Triton: 8001)?');
  }
  if (live.live !== true) throw new ServerError('the server says it is not live', cfg.target);
  const ready = await client.unary('ServerReady', {});
  if (ready.ready !== true) throw new ServerError('the server says it is not ready', cfg.target);
  const modelReady = await client.unary('ModelReady', { name: cfg.model, version: '' }).catch(() => ({ ready: false }));
  if (modelReady.ready !== true) throw new ServerError(`model '${cfg.model}' is not ready (or not loaded)`, cfg.target);
  const server = await client.unary('ServerMetadata', {}).catch(() => ({}) as Plain);
  const metadata = await client.unary('ModelMetadata', { name: cfg.model, version: '' }).catch(() => null);
  const model = modelInfo(await client.unary('ModelConfig', { name: cfg.model, version: '' }));
  if (metadata !== null) model.metadata = { platform: metadata.platform, versions: metadata.versions, inputs: metadata.inputs, outputs: metadata.outputs };
  const source = await cfg.makeSource(model);
  const problems = source.check(model);
  if (problems.length > 0) throw new ServerError(`${source.description} does not fit: ${problems.join('; ')}`, cfg.target, undefined, 'choose --backend to match the model, or give --input-data');
  return { server, model, source };
}

export async function capture(cfg: CaptureConfig): Promise<CaptureResult> {
  const clock = cfg.clock;
  const client = new TritonClient(cfg.target, clock);
  const { server, model, source } = await preflight(client, cfg).catch((e) => {
    client.close();
    throw e;
  });
  const writer = new ExportWriter(cfg.exportFile);
  const experiments: { index: number; mode: string; value: number; windows: string[]; stable: boolean | null; requests: SidecarRequest[] }[] = [];
  const warmups: SidecarRequest[] = [];
  const results: LevelResult[] = [];
  let interrupted = false;
  let stoppedReason: string | null = null;
  let errors = 0;
  let serial = 0;
  const random = seeded(cfg.seed ^ 0x5eed);
  const abort = (): void => {
    interrupted = true;
  };
  cfg.signal?.addEventListener('abort', abort);

  try {
    for (const [levelIndex, level] of cfg.levels.entries()) {
      if (interrupted || stoppedReason) break;
      writer.beginExperiment(level.mode, level.value);
      const sidecarRequests: SidecarRequest[] = [];
      const windowBounds: number[] = [];
      const lag = new ExactSample(true);
      const fromIntended = new ExactSample(true);
      const fromSend = new ExactSample(true);
      const statuses = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<RequestStatus, number>;
      const slotCount = level.mode === 'concurrency' ? Math.max(1, Math.round(level.value)) : (cfg.rateStreams ?? 8);
      const slots: Slot[] = Array.from({ length: slotCount }, () => ({ stream: null, flights: new Map() }));
      let phase: CaptureProgress['phase'] = cfg.warmup > 0 ? 'warmup' : 'measure';
      let sending = true;
      let sent = 0;
      let done = 0;
      let warmSent = 0;
      let warmDone = 0;
      let measureIndex = 0;
      // Windows: completions and latencies since the current window began.
      let windowDone = 0;
      let windowLatency = 0;
      let windowStart = 0;
      const windowStats: { throughput: number; latency: number }[] = [];
      let stable: boolean | null = cfg.requestCount === null ? false : null;
      let wake: (() => void) | null = null;
      const progress = (): void => cfg.onProgress?.({ level: levelIndex, levels: cfg.levels.length, sent, done, errors, phase });

      const openStream = (slot: Slot): InferStream => {
        const stream = client.openStream({
          response: (stampNs, msg) => onResponse(slot, stampNs, msg),
          end: (e) => {
            slot.stream = null;
            for (const f of [...slot.flights.values()]) finish(f, e === null ? 'client_error' : 'client_error', e === null ? 'the stream ended before the final response' : `stream failed: ${e.message}`);
          },
        });
        slot.stream = stream;
        return stream;
      };

      const onResponse = (slot: Slot, stampNs: number, msg: StreamResponse): void => {
        const f = slot.flights.get(msg.id);
        if (f === undefined) return; // late answer to a request already timed out or cancelled
        if (msg.error !== '') return finish(f, 'server_error', msg.error);
        f.responses.add(stampNs, msg);
        if (msg.final) finish(f, 'ok', null);
      };

      const finish = (f: Flight, status: RequestStatus, error: string | null): void => {
        if (f.status !== null) return;
        f.status = status;
        f.error = error;
        f.slot.flights.delete(f.id);
        const entry: SidecarRequest = {
          index: f.index,
          id: f.id,
          prompt_tokens: f.prompt?.tokens ?? null,
          prompt_words: f.prompt?.words ?? (f.plan.prompt === null ? null : countWords(f.plan.prompt)),
          intended_send_ns: f.intendedNs === null ? null : clock.epochNs(f.intendedNs),
          send_ns: clock.epochNs(f.sendNs),
          status,
          error,
          responses: f.responses.count,
        };
        if (status !== 'ok') errors++;
        if (f.warmup) {
          warmups.push(entry);
          warmDone++;
        } else {
          const log = f.responses;
          const stamps: string[] = [];
          const outputs: Record<string, string>[] = [];
          for (let k = 0; k < log.count; k++) {
            stamps.push(clock.epochNs(log.stamp(k)));
            outputs.push(log.outputsOf(k));
          }
          writer.request({ timestamp: clock.epochNs(f.sendNs), requestInputs: requestInputs(f.plan), responseTimestamps: stamps, responseOutputs: outputs });
          sidecarRequests.push(entry);
          statuses[status]++;
          done++;
          let firstNonEmpty: number | undefined;
          for (let k = 0; k < log.count && firstNonEmpty === undefined; k++) if (log.hasText(k)) firstNonEmpty = log.stamp(k);
          if (firstNonEmpty !== undefined) {
            fromSend.add(Math.max(0, Math.round(firstNonEmpty - f.sendNs)));
            if (f.intendedNs !== null) fromIntended.add(Math.max(0, Math.round(firstNonEmpty - f.intendedNs)));
          }
          if (phase === 'measure' && cfg.requestCount === null) {
            windowDone++;
            windowLatency += (log.count > 0 ? log.stamp(log.count - 1) : f.sendNs) - f.sendNs;
            if (cfg.windows.mode === 'count_windows' && windowDone >= cfg.windows.requestCount) closeWindow();
          }
        }
        if (cfg.maxErrors !== null && errors > cfg.maxErrors && stoppedReason === null) {
          stoppedReason = `more than ${cfg.maxErrors} failed requests (--max-errors)`;
          sending = false;
        }
        progress();
        wake?.();
      };

      const closeWindow = (): void => {
        const now = clock.nowNs();
        windowBounds.push(now);
        const seconds = (now - windowStart) / 1e9;
        windowStats.push({ throughput: seconds > 0 ? windowDone / seconds : 0, latency: windowDone > 0 ? windowLatency / windowDone : 0 });
        windowStart = now;
        windowDone = 0;
        windowLatency = 0;
        const last = windowStats.slice(-3);
        const within = (xs: number[]): boolean => Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) <= 1 + cfg.windows.stabilityPercent / 100;
        if (last.length === 3 && within(last.map((w) => w.throughput)) && within(last.map((w) => w.latency))) {
          stable = true;
          sending = false;
        } else if (windowStats.length >= cfg.windows.maxTrials) sending = false;
        wake?.();
      };

      const send = (slot: Slot, warmup: boolean, intendedNs: number | null): void => {
        const prompt = source.needsPrompts ? cfg.prompts!.next() : null;
        const plan = source.next(prompt?.text ?? null);
        const id = `palens-${levelIndex}-${serial++}`;
        const f: Flight = {
          id,
          index: warmup ? warmSent : measureIndex++,
          warmup,
          intendedNs,
          sendNs: 0,
          responses: new ResponseLog(),
          status: null,
          error: null,
          prompt,
          plan,
          slot,
          deadlineNs: 0,
        };
        const request = encodeRequest(inferRequest(model, plan, id));
        const stream = slot.stream ?? openStream(slot);
        slot.flights.set(id, f);
        f.sendNs = clock.nowNs();
        f.deadlineNs = f.sendNs + cfg.timeoutMs * 1e6;
        queued.push({ f, stream, request });
        if (queued.length === 1) setImmediate(writeQueued);
        if (warmup) warmSent++;
        else sent++;
      };

      // Requests are written after the event-loop turn that made them, in one loop, and stamped
      // together right after it. Nothing can leave while that loop and its microtasks run (Node's
      // HTTP/2 layer flushes after the callback), so the stamp is never after the bytes leave and a
      // TTFT is never shorter than the server's; and it is not early by the rest of the turn — when
      // many streams finish together, processing their responses (milliseconds at 128 streams,
      // bench/driver.ts) happens before the writes, not between a stamp and its write.
      const queued: { f: Flight; stream: InferStream; request: Buffer }[] = [];
      const writeQueued = (): void => {
        const written: Flight[] = [];
        for (const { f, stream, request } of queued) {
          if (f.status !== null) continue; // finished meanwhile (the stream failed)
          stream.send(request);
          written.push(f);
        }
        queued.length = 0;
        const now = clock.nowNs();
        for (const f of written) {
          f.sendNs = now;
          f.deadlineNs = now + cfg.timeoutMs * 1e6;
          if (f.intendedNs !== null && !f.warmup) lag.add(Math.max(0, Math.round(now - f.intendedNs)));
        }
      };

      // One coarse tick for deadlines and time windows, instead of a timer per request.
      const tick = setInterval(() => {
        const now = clock.nowNs();
        for (const slot of slots) for (const f of [...slot.flights.values()]) if (now > f.deadlineNs) finish(f, 'timeout', `no final response within ${cfg.timeoutMs} ms`);
        if (phase === 'measure' && cfg.requestCount === null && cfg.windows.mode === 'time_windows' && now - windowStart >= cfg.windows.intervalMs * 1e6) closeWindow();
        wake?.();
      }, 50);

      const inFlight = (): number => slots.reduce((n, s) => n + s.flights.size, 0);
      const waitForEvent = (): Promise<void> =>
        new Promise((resolve) => {
          wake = () => {
            wake = null;
            resolve();
          };
        });

      try {
        // Warm-up: excluded from the export, kept in the sidecar.
        if (cfg.warmup > 0) {
          while (warmSent < cfg.warmup && !interrupted) {
            const free = slots.find((s) => s.flights.size === 0);
            if (free) send(free, true, null);
            else await waitForEvent();
          }
          while (warmDone < warmSent && !interrupted) await waitForEvent();
        }
        phase = 'measure';
        windowStart = clock.nowNs();
        windowBounds.push(windowStart);
        progress();
        const more = (): boolean => !interrupted && sending && (cfg.requestCount === null || sent < cfg.requestCount);
        if (level.mode === 'concurrency') {
          while (more()) {
            const free = slots.find((s) => s.flights.size === 0);
            if (free) send(free, false, null);
            else await waitForEvent();
          }
        } else {
          // Open loop: intended send times at the rate, constant or Poisson, sent whatever is in flight.
          const start = clock.nowNs();
          let intended = start;
          let rr = 0;
          while (more()) {
            const gap = cfg.arrival === 'poisson' ? (-Math.log(1 - random()) / level.value) * 1e9 : 1e9 / level.value;
            const wait = (intended - clock.nowNs()) / 1e6;
            if (wait > 0) {
              await new Promise<void>((resolve) => {
                const t = setTimeout(resolve, wait);
                wake = () => {
                  clearTimeout(t);
                  wake = null;
                  resolve();
                };
              });
              if (!more()) break;
              if (clock.nowNs() < intended) continue;
            }
            send(slots[rr++ % slots.length]!, false, intended);
            intended += gap;
          }
        }
        // Drain: wait for what is in flight; on an interrupt, only for the grace period.
        phase = 'drain';
        progress();
        const graceEnd = () => clock.nowNs() + cfg.graceMs * 1e6;
        let until = interrupted ? graceEnd() : Infinity;
        while (inFlight() > 0) {
          if (interrupted && until === Infinity) until = graceEnd();
          if (clock.nowNs() > until) break;
          await waitForEvent();
        }
        for (const slot of slots) for (const f of [...slot.flights.values()]) finish(f, 'cancelled', 'the capture was interrupted before the final response');
        if (cfg.requestCount !== null || windowBounds.length === 1) windowBounds.push(clock.nowNs());
      } finally {
        clearInterval(tick);
        for (const slot of slots) slot.stream?.close();
      }

      const boundaries = windowBounds.map((b) => clock.epochNs(b));
      writer.endExperiment(boundaries);
      experiments.push({ index: levelIndex, mode: level.mode, value: level.value, windows: boundaries, stable, requests: sidecarRequests });
      const lagSummary = lag.count > 0 ? summarize(lag, 'ns', [50, 99]) : null;
      results.push({
        index: levelIndex,
        mode: level.mode,
        value: level.value,
        requests: sidecarRequests.length,
        windows: Math.max(0, windowBounds.length - 1),
        stable,
        statuses,
        scheduleLagNs: lagSummary === null ? null : { p50: lagSummary.percentiles.p50 ?? null, p99: lagSummary.percentiles.p99 ?? null, max: lagSummary.max },
        ttftFromIntendedMeanNs: fromIntended.count > 0 ? fromIntended.mean() : null,
        ttftFromSendMeanNs: fromSend.count > 0 ? fromSend.mean() : null,
      });
    }
  } finally {
    cfg.signal?.removeEventListener('abort', abort);
    writer.close(`palens ${VERSION}`);
    client.close();
  }

  const sidecarFile = await writeSidecar(cfg.exportFile, {
    schemaVersion: 1,
    tool: { name: 'palens', version: VERSION },
    export: basename(cfg.exportFile),
    interrupted,
    stopped_reason: stoppedReason,
    clock: clock.name,
    config: cfg.config,
    server: { target: cfg.target, ...server },
    model,
    prompt: { unit: cfg.promptUnit ?? (cfg.tokenizer ? 'tokens' : 'words'), tokenizer: cfg.tokenizer },
    levels: results,
    experiments,
    warmup: warmups,
  });
  return { exportFile: cfg.exportFile, sidecarFile, interrupted, stoppedReason, levels: results, server, model };
}

/** request_inputs as perf_analyzer writes them: one-element tensors as scalars. */
function requestInputs(plan: RequestPlan): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const t of plan.tensors) {
    const v = t.values.length === 1 ? t.values[0]! : t.values.map(String).join('');
    out[t.name] = typeof v === 'bigint' ? Number(v) : v;
  }
  return out;
}
