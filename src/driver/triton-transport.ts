/**
 * The capture's transport to a Triton server: KServe v2 gRPC, ModelStreamInfer lanes over
 * driver/client.ts, requests as ModelInferRequest (driver/presets.ts inferRequest).
 */
import { ServerError } from '../errors.js';
import { encodeRequest, type Plain } from '../proto/codec.js';
import type { Clock } from '../records/clock.js';
import { TritonClient } from './client.js';
import { inferRequest, type ModelInfo, modelInfo, type RequestPlan, type RequestSource } from './presets.js';
import type { Lane, LaneEvents, Preflight, Transport } from './transport.js';

/**
 * grpc-js's text for a server it could not reach, shortened to what a user can act on: its empty
 * "Resolution note:" and the "Last error: Error:" wrapping go; a deadline keeps its length only.
 */
export function unreachableReason(message: string): string {
  const m = message
    .replace(/^ServerLive: /, '')
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/\.?\s*Resolution note:\s*$/, '')
    .replace(/Last error: (?:Error: )?/, 'last error: ');
  const deadline = /^Deadline exceeded after ([\d.]+s)/.exec(m);
  return deadline !== null ? `no answer within ${deadline[1]}` : m;
}

export class TritonTransport implements Transport {
  private readonly client: TritonClient;

  constructor(
    readonly target: string,
    clock: Clock,
  ) {
    this.client = new TritonClient(target, clock);
  }

  async preflight(name: string, makeSource: (model: ModelInfo) => Promise<RequestSource>): Promise<Preflight> {
    const client = this.client;
    let live: Plain;
    try {
      live = await client.unary('ServerLive', {}, 5000);
    } catch (e) {
      throw new ServerError(`cannot reach a Triton gRPC server (${unreachableReason((e as Error).message)})`, this.target, e, 'is the server running, and is this its gRPC port (Triton: 8001)?');
    }
    if (live.live !== true) throw new ServerError('the server says it is not live', this.target);
    const ready = await client.unary('ServerReady', {});
    if (ready.ready !== true) throw new ServerError('the server says it is not ready', this.target);
    const modelReady = await client.unary('ModelReady', { name, version: '' }).catch(() => ({ ready: false }));
    if (modelReady.ready !== true) throw new ServerError(`model '${name}' is not ready (or not loaded)${await this.modelList()}`, this.target);
    const server = await client.unary('ServerMetadata', {}).catch(() => ({}) as Plain);
    const metadata = await client.unary('ModelMetadata', { name, version: '' }).catch(() => null);
    const model = modelInfo(await client.unary('ModelConfig', { name, version: '' }));
    if (metadata !== null) model.metadata = { platform: metadata.platform, versions: metadata.versions, inputs: metadata.inputs, outputs: metadata.outputs };
    const source = await makeSource(model);
    const problems = source.check(model);
    if (problems.length > 0) throw new ServerError(`${source.description} does not fit: ${problems.join('; ')}`, this.target, undefined, 'choose --backend to match the model, or give --input-data');
    return { server, model, source };
  }

  /** "; the server has: a, b" from the repository index, or '' when the server does not say. */
  private async modelList(): Promise<string> {
    const index = await this.client.unary('RepositoryIndex', { repository_name: '', ready: true }).catch(() => null);
    const names = ((index?.models as Plain[] | undefined) ?? []).map((m) => String(m.name));
    return names.length > 0 ? `; the server has: ${names.join(', ')}` : '';
  }

  encode(model: ModelInfo, plan: RequestPlan, id: string): Buffer {
    return encodeRequest(inferRequest(model, plan, id));
  }

  /** request_inputs as perf_analyzer writes them: one-element tensors as scalars. */
  requestInputs(plan: RequestPlan): Record<string, string | number | boolean> {
    const out: Record<string, string | number | boolean> = {};
    for (const t of plan.tensors) {
      const v = t.values.length === 1 ? t.values[0]! : t.values.map(String).join('');
      out[t.name] = typeof v === 'bigint' ? Number(v) : v;
    }
    return out;
  }

  openLane(events: LaneEvents): Lane {
    return this.client.openStream(events);
  }

  maxResponsesPerRead(): number {
    return this.client.maxPerRead;
  }

  close(): void {
    this.client.close();
  }
}
