/**
 * The capture options that spread one load over threads and machines: `--workers N|auto` (lane
 * workers in this process, driver/worker-transport.ts), `--shard I/N` and `--start-at TIME`
 * (driver/shard.ts). Applied to a built CaptureConfig: the sidecar's configuration keeps the whole
 * load and the base seed — equal across shards, which `palens merge` checks — plus the shard; the
 * run itself gets the shard's part.
 */
import { cpus } from 'node:os';
import { UsageError } from '../errors.js';
import type { CaptureConfig } from '../driver/capture.js';
import { parseShard, parseStartAt, type ShardPlan, shardLoad } from '../driver/shard.js';
import { parseWorkers } from '../driver/thread-clock.js';
import { apiOf } from './openai.js';
import { WorkerTransport } from '../driver/worker-transport.js';

export interface ScaleOptions {
  /** Lane threads; 0: the main thread carries the streams. */
  workers: number;
  plan: ShardPlan | null;
  startAtNs: bigint | null;
  startAtText: string | null;
}

/** Converts and checks the three options; every problem at once. */
export function resolveScale(raw: Record<string, unknown>, load: Parameters<typeof shardLoad>[0]): ScaleOptions {
  const issues: string[] = [];
  const workers = raw.workers === undefined ? 0 : parseWorkers(String(raw.workers), cpus().length);
  if (typeof workers === 'string') issues.push(workers);
  // The API as the capture decides it: -u http://… implies openai without --api.
  else if (workers > 0 && apiOf(raw) === 'openai') issues.push('--workers carries Triton gRPC streams; with --api openai, spread the load over processes with --shard I/N');
  let plan: ShardPlan | null = null;
  if (raw.shard !== undefined) {
    const spec = parseShard(String(raw.shard));
    if (typeof spec === 'string') issues.push(spec);
    else {
      const p = shardLoad(load, spec);
      if (Array.isArray(p)) issues.push(...p);
      else plan = p;
    }
  }
  let startAtNs: bigint | null = null;
  if (raw['start-at'] !== undefined) {
    const t = parseStartAt(String(raw['start-at']));
    if (typeof t === 'string') issues.push(t);
    else startAtNs = t;
  }
  if (issues.length > 0) throw new UsageError(issues.join('; '));
  return { workers: workers as number, plan, startAtNs, startAtText: raw['start-at'] === undefined ? null : String(raw['start-at']) };
}

/** The seed a shard's prompts need, before its config is built (prompts are seeded there). */
export function runSeed(scale: ScaleOptions, seed: number): number {
  return scale.plan?.seed ?? seed;
}

/** Gives the run its shard's part and its workers; the sidecar's config says what was asked, and how it was split. */
export function applyScale(cfg: CaptureConfig, scale: ScaleOptions, baseSeed: number): CaptureConfig {
  const { plan } = scale;
  const out: CaptureConfig = { ...cfg, config: { ...cfg.config, seed: baseSeed, workers: scale.workers } };
  if (plan !== null) {
    out.levels = plan.levels;
    out.requestCount = plan.requestCount;
    out.warmup = plan.warmup;
    out.windows = { ...cfg.windows, requestCount: plan.windowRequests };
    out.rateStreams = plan.rateStreams;
    out.seed = plan.seed;
    out.idPrefix = plan.idPrefix;
    out.config.shard = { index: plan.shard.index, count: plan.shard.count };
  }
  if (scale.startAtNs !== null) {
    out.startAtNs = scale.startAtNs;
    out.config.start_at = scale.startAtText;
  }
  // resolveScale has refused --workers beside another transport (--api openai).
  if (scale.workers > 0 && cfg.transport === undefined) out.transport = new WorkerTransport(cfg.target, cfg.clock, scale.workers);
  return out;
}
