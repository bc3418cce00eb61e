/**
 * How a request is built for each backend: tensor names, types and shapes (reference:
 * protocols.md §2, §4, §5.1), checked against the model's own config before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import { InputError, UsageError } from '../errors.js';
import { encodeTensor, type Plain, type TensorValue, wireType } from '../proto/codec.js';

import type { Backend } from './backends.js';

export { BACKENDS, type Backend } from './backends.js';

export interface ModelInfo {
  name: string;
  maxBatchSize: number;
  decoupled: boolean;
  inputs: { name: string; datatype: string; dims: number[]; optional: boolean }[];
  outputs: { name: string; datatype: string }[];
  /** What ModelMetadata said (for the sidecar). */
  metadata?: Plain;
}

export function modelInfo(config: Plain): ModelInfo {
  const c = (config.config ?? config) as Plain;
  return {
    name: String(c.name),
    maxBatchSize: Number(c.max_batch_size ?? 0),
    decoupled: Boolean((c.model_transaction_policy as Plain | null)?.decoupled),
    inputs: ((c.input as Plain[]) ?? []).map((t) => ({ name: String(t.name), datatype: wireType(String(t.data_type)), dims: (t.dims as number[]) ?? [], optional: Boolean(t.optional) })),
    outputs: ((c.output as Plain[]) ?? []).map((t) => ({ name: String(t.name), datatype: wireType(String(t.data_type)) })),
  };
}

export interface Tensor {
  name: string;
  datatype: string;
  values: TensorValue[];
  /** Shape without the batch dimension; [n] for n values when absent. */
  shape?: number[];
}

export interface RequestPlan {
  tensors: Tensor[];
  parameters: Record<string, { bool_param: boolean } | { int64_param: number } | { string_param: string }>;
  /** The prompt, when the request has one (for its length). */
  prompt: string | null;
}

export interface BuildOptions {
  maxTokens: number | null;
  ignoreEos: boolean;
  extraInputs: Tensor[];
  requestParameters: RequestPlan['parameters'];
}

/** A source of request plans: a preset around generated prompts, or perf_analyzer input data. */
export interface RequestSource {
  readonly description: string;
  /** Problems that make this source unfit for the model; empty when it fits. */
  check(model: ModelInfo): string[];
  /** The next request; `prompt` is the generated prompt (presets) or ignored (input data). */
  next(prompt: string | null): RequestPlan;
  /** Whether the source needs generated prompts. */
  readonly needsPrompts: boolean;
}

const need = (model: ModelInfo, names: string[], what: string): string[] =>
  names.filter((n) => !model.inputs.some((i) => i.name === n)).map((n) => `${what} needs an input '${n}', and model '${model.name}' has none (its inputs: ${model.inputs.map((i) => i.name).join(', ') || 'none'})`);

function decoupledCheck(model: ModelInfo): string[] {
  return model.decoupled ? [] : [`model '${model.name}' is not decoupled; streaming captures need a decoupled model (model_transaction_policy { decoupled: true })`];
}

export function presetSource(backend: Backend, o: BuildOptions): RequestSource {
  const sampling = (): string => JSON.stringify({ ...(o.maxTokens === null ? {} : { max_tokens: o.maxTokens }), ...(o.ignoreEos ? { ignore_eos: true } : {}) });
  const finish = (tensors: Tensor[], prompt: string): RequestPlan => ({ tensors: [...tensors, ...o.extraInputs], parameters: { ...o.requestParameters }, prompt });
  switch (backend) {
    case 'vllm':
      return {
        description: 'vLLM backend (text_input, stream, sampling_parameters, exclude_input_in_output → text_output)',
        needsPrompts: true,
        check: (m) => [...decoupledCheck(m), ...need(m, ['text_input', 'stream', 'sampling_parameters'], '--backend vllm')],
        next: (prompt) =>
          finish(
            [
              { name: 'text_input', datatype: 'BYTES', values: [prompt!] },
              { name: 'stream', datatype: 'BOOL', values: [true] },
              { name: 'sampling_parameters', datatype: 'BYTES', values: [sampling()] },
              { name: 'exclude_input_in_output', datatype: 'BOOL', values: [true] },
            ],
            prompt!,
          ),
      };
    case 'vllm-legacy': {
      let hasSampling = true;
      return {
        description: "the 2023 vLLM tutorial model (PROMPT, STREAM, SAMPLING_PARAMETERS → TEXT)",
        needsPrompts: true,
        check: (m) => {
          hasSampling = m.inputs.some((i) => i.name === 'SAMPLING_PARAMETERS');
          return [...decoupledCheck(m), ...need(m, ['PROMPT', 'STREAM'], '--backend vllm-legacy')];
        },
        next: (prompt) => {
          const tensors: Tensor[] = [
            { name: 'PROMPT', datatype: 'BYTES', values: [prompt!] },
            { name: 'STREAM', datatype: 'BOOL', values: [true] },
          ];
          // The earliest tutorial model read its sampling parameters from the request's parameters.
          if (hasSampling) tensors.push({ name: 'SAMPLING_PARAMETERS', datatype: 'BYTES', values: [sampling()] });
          const plan = finish(tensors, prompt!);
          if (!hasSampling && o.maxTokens !== null) plan.parameters.max_tokens = { string_param: String(o.maxTokens) };
          return plan;
        },
      };
    }
    case 'trtllm': {
      let minTokens = false;
      return {
        description: 'TensorRT-LLM ensemble (text_input, max_tokens, stream → text_output)',
        needsPrompts: true,
        check: (m) => {
          minTokens = m.inputs.some((i) => i.name === 'min_tokens');
          const problems = [...decoupledCheck(m), ...need(m, ['text_input', 'max_tokens', 'stream'], '--backend trtllm')];
          if (o.ignoreEos && !minTokens) problems.push(`--ignore-eos: model '${m.name}' has no min_tokens input to hold generation to --max-tokens`);
          return problems;
        },
        next: (prompt) => {
          const tensors: Tensor[] = [
            { name: 'text_input', datatype: 'BYTES', values: [prompt!] },
            { name: 'max_tokens', datatype: 'INT32', values: [o.maxTokens ?? 16] },
            { name: 'stream', datatype: 'BOOL', values: [true] },
          ];
          // TensorRT-LLM has no ignore_eos; min_tokens = max_tokens holds the length.
          if (o.ignoreEos && minTokens) tensors.push({ name: 'min_tokens', datatype: 'INT32', values: [o.maxTokens ?? 16] });
          return finish(tensors, prompt!);
        },
      };
    }
  }
}

// ------------------------------------------------------------ input data

type Step = Map<string, Tensor>;

/** perf_analyzer's --input-data JSON: {"data": [step, …] or [[step, …], …]} (reference §5.1). */
export async function inputDataSource(file: string, o: BuildOptions): Promise<RequestSource> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--input-data ${file}: ${(e as { code?: string }).code === 'ENOENT' ? 'no such file' : `not JSON (${(e as Error).message})`}`);
  }
  const data = (doc as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length === 0) throw new UsageError(`--input-data ${file}: expected {"data": [ … ]} with at least one step`);
  const flat = (data as unknown[]).flatMap((s) => (Array.isArray(s) ? s : [s]));
  const stepPointers = (data as unknown[]).flatMap((s, i) => (Array.isArray(s) ? s.map((_, j) => `/data/${i}/${j}`) : [`/data/${i}`]));
  const rawSteps = flat.map((step, i) => {
    if (typeof step !== 'object' || step === null) throw new UsageError(`--input-data ${file}: /data/${i} is not an object of input name → value`);
    return step as Record<string, unknown>;
  });
  let steps: Step[] = [];
  let model: ModelInfo | null = null;
  let k = 0;
  return {
    description: `perf_analyzer input data (${file}, ${rawSteps.length} step${rawSteps.length === 1 ? '' : 's'})`,
    needsPrompts: false,
    check(m) {
      model = m;
      const problems = decoupledCheck(m);
      try {
        steps = rawSteps.map((s, i) => parseStep(s, m, file, stepPointers[i]!));
      } catch (e) {
        // Content the model cannot take (bad base64, content against shape, sampling parameters
        // that are not JSON) is the file's fault: an InputError naming the file and the place.
        if (e instanceof InputError) throw e;
        problems.push((e as Error).message);
      }
      for (const [i, s] of steps.entries()) {
        for (const input of m.inputs) if (!input.optional && !s.has(input.name)) problems.push(`${file}: /data/${i}: model input '${input.name}' is required`);
      }
      return problems;
    },
    next() {
      const step = steps[k++ % steps.length]!;
      const tensors = [...step.values()].map((t) => ({ ...t, values: [...t.values] }));
      const parameters = { ...o.requestParameters };
      if (o.maxTokens !== null || o.ignoreEos) applyLimit(tensors, parameters, o, model!);
      const promptTensor = tensors.find((t) => ['text_input', 'PROMPT', 'INPUT_0'].includes(t.name));
      return { tensors: [...tensors, ...o.extraInputs], parameters, prompt: promptTensor ? String(promptTensor.values[0]) : null };
    },
  };
}

/** --max-tokens / --ignore-eos over input data: merged into the sampling parameters, or the max_tokens tensor, or request parameters. */
function applyLimit(tensors: Tensor[], parameters: RequestPlan['parameters'], o: BuildOptions, model: ModelInfo): void {
  const samplingName = ['sampling_parameters', 'SAMPLING_PARAMETERS'].find((n) => model.inputs.some((i) => i.name === n));
  const limits = { ...(o.maxTokens === null ? {} : { max_tokens: o.maxTokens }), ...(o.ignoreEos ? { ignore_eos: true } : {}) };
  const maxTokensTensor = tensors.find((t) => t.name === 'max_tokens');
  if (maxTokensTensor && o.maxTokens !== null) maxTokensTensor.values = [o.maxTokens];
  else if (samplingName) {
    const existing = tensors.find((t) => t.name === samplingName);
    const merged = { ...(existing ? (JSON.parse(String(existing.values[0] || '{}')) as object) : {}), ...limits };
    if (existing) existing.values = [JSON.stringify(merged)];
    else tensors.push({ name: samplingName, datatype: 'BYTES', values: [JSON.stringify(merged)] });
  } else if (model.inputs.some((i) => i.name === 'max_tokens') && o.maxTokens !== null) {
    tensors.push({ name: 'max_tokens', datatype: model.inputs.find((i) => i.name === 'max_tokens')!.datatype, values: [o.maxTokens] });
  } else {
    // The 2023 tutorial model read sampling parameters from the request's parameters.
    if (o.maxTokens !== null) parameters.max_tokens = { string_param: String(o.maxTokens) };
    if (o.ignoreEos) parameters.ignore_eos = { bool_param: true };
  }
}

const SAMPLING_INPUTS = ['sampling_parameters', 'SAMPLING_PARAMETERS'];

function parseStep(step: Record<string, unknown>, m: ModelInfo, file: string, pointer: string): Step {
  const out: Step = new Map();
  const bad = (at: string, expected: string): InputError => new InputError('PALENS_INPUT_SCHEMA', `--input-data: ${expected}`, { file, pointer: at });
  for (const [name, raw] of Object.entries(step)) {
    if (name === 'model' || name === 'timestamp') continue;
    const at = `${pointer}/${name}`;
    const input = m.inputs.find((i) => i.name === name);
    if (input === undefined) throw new UsageError(`${file}: ${at}: model '${m.name}' has no input '${name}' (its inputs: ${m.inputs.map((i) => i.name).join(', ')})`);
    let values: unknown = raw;
    let shape: number[] | undefined;
    let valuesAt = at;
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const r = raw as { content?: unknown; shape?: unknown; b64?: unknown };
      if (r.b64 !== undefined) values = decodeB64(r.b64, input.datatype, (e) => bad(`${at}/b64`, e));
      else if (r.content !== undefined) {
        const c = r.content as { b64?: unknown } | unknown[];
        valuesAt = `${at}/content`;
        values = Array.isArray(c) ? c : decodeB64((c as { b64?: unknown }).b64, input.datatype, (e) => bad(`${at}/content/b64`, e));
      } else throw bad(at, 'expected an array, {"content", "shape"} or {"b64"}');
      if (r.shape !== undefined) {
        if (!Array.isArray(r.shape) || !r.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw bad(`${at}/shape`, 'expected a shape: an array of non-negative integers');
        shape = r.shape as number[];
      }
    }
    if (!Array.isArray(values)) throw bad(at, 'expected an array of values');
    const list = values as unknown[];
    for (const [k, v] of list.entries()) {
      const ok = input.datatype === 'BYTES' ? typeof v === 'string' : input.datatype === 'BOOL' ? typeof v === 'boolean' : typeof v === 'number';
      if (!ok) throw bad(`${valuesAt}/${k}`, `expected a ${input.datatype} value, found ${JSON.stringify(v)}`);
      if (SAMPLING_INPUTS.includes(name) && !isJsonObject(v as string)) throw bad(`${valuesAt}/${k}`, `expected ${name} to hold a JSON object (e.g. {"max_tokens": 16}), found ${JSON.stringify(v)}`);
    }
    if (shape !== undefined) {
      const elements = shape.reduce((a, b) => a * b, 1);
      if (elements !== list.length) throw bad(`${at}/shape`, `shape [${shape.join(', ')}] holds ${elements} element${elements === 1 ? '' : 's'}, the content has ${list.length}`);
    }
    out.set(name, { name, datatype: input.datatype, values: list as TensorValue[], ...(shape ? { shape } : {}) });
  }
  return out;
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** b64 content: raw little-endian bytes (BYTES elements keep their 4-byte length prefixes). Checked strictly: Node's decoder skips what is not base64. */
function decodeB64(b64: unknown, datatype: string, bad: (expected: string) => InputError): TensorValue[] {
  if (typeof b64 !== 'string') throw bad('expected a base64 string');
  const text = b64.replace(/\s+/g, '');
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw bad('expected base64 (A–Z, a–z, 0–9, +, /, padded with = to a multiple of 4 characters)');
  const buf = Buffer.from(text, 'base64');
  if (datatype === 'BYTES') {
    const out: string[] = [];
    for (let at = 0; at < buf.length; ) {
      if (at + 4 > buf.length) throw bad('expected BYTES elements, each a 4-byte little-endian length and its bytes');
      const len = buf.readUInt32LE(at);
      if (at + 4 + len > buf.length) throw bad(`expected BYTES elements: one claims ${len} bytes, ${buf.length - at - 4} remain`);
      out.push(buf.toString('utf8', at + 4, at + 4 + len));
      at += 4 + len;
    }
    return out;
  }
  const sizes: Record<string, number> = { BOOL: 1, INT32: 4, INT64: 8, FP32: 4, FP64: 8, UINT32: 4, UINT8: 1, INT8: 1 };
  const size = sizes[datatype];
  if (size === undefined) throw bad(`b64 data of type ${datatype} is not supported`);
  if (buf.length % size !== 0) throw bad(`${buf.length} bytes: not a whole number of ${datatype} values (${size} bytes each)`);
  const out: TensorValue[] = [];
  for (let at = 0; at + size <= buf.length; at += size) {
    out.push(
      datatype === 'BOOL' ? buf[at] !== 0 : datatype === 'INT32' ? buf.readInt32LE(at) : datatype === 'INT64' ? Number(buf.readBigInt64LE(at)) : datatype === 'FP32' ? buf.readFloatLE(at) : datatype === 'FP64' ? buf.readDoubleLE(at) : datatype === 'UINT32' ? buf.readUInt32LE(at) : buf[at]!,
    );
  }
  return out;
}

/** A ModelInferRequest for one plan: raw_input_contents, with the batch dimension when the model batches. */
export function inferRequest(model: ModelInfo, plan: RequestPlan, id: string): Plain {
  const batch = model.maxBatchSize > 0;
  const inputs = plan.tensors.map((t) => {
    const shape = t.shape ?? (t.datatype === 'BYTES' || t.values.length === 1 ? [t.values.length] : [t.values.length]);
    return { name: t.name, datatype: t.datatype, shape: batch ? [1, ...shape] : shape };
  });
  return {
    model_name: model.name,
    model_version: '',
    id,
    parameters: { ...plan.parameters, triton_enable_empty_final_response: { bool_param: true } },
    inputs,
    raw_input_contents: plan.tensors.map((t) => encodeTensor(t.datatype, t.values)),
  };
}

/** --extra-input name:value (typed by the model's input) and --request-parameter name:value:type. */
export function parseExtraInput(spec: string): { name: string; value: string } {
  const at = spec.indexOf(':');
  if (at <= 0) throw new UsageError(`--extra-input ${spec}: expected name:value`);
  return { name: spec.slice(0, at), value: spec.slice(at + 1) };
}

export function parseRequestParameter(spec: string): [string, RequestPlan['parameters'][string]] {
  const m = /^([^:]+):(.*):(string|int|bool)$/.exec(spec);
  if (m === null) throw new UsageError(`--request-parameter ${spec}: expected name:value:type with type string, int or bool`);
  const [, name, value, type] = m as unknown as [string, string, string, string];
  if (type === 'int') {
    if (!/^-?\d+$/.test(value)) throw new UsageError(`--request-parameter ${spec}: ${value} is not an integer`);
    return [name, { int64_param: Number(value) }];
  }
  if (type === 'bool') {
    if (value !== 'true' && value !== 'false') throw new UsageError(`--request-parameter ${spec}: ${value} is not true or false`);
    return [name, { bool_param: value === 'true' }];
  }
  return [name, { string_param: value }];
}

/** An --extra-input value typed by the model's input. */
export function extraTensor(model: ModelInfo, extra: { name: string; value: string }): Tensor {
  const input = model.inputs.find((i) => i.name === extra.name);
  if (input === undefined) throw new UsageError(`--extra-input ${extra.name}: model '${model.name}' has no such input`);
  const v = extra.value;
  const value: TensorValue = input.datatype === 'BYTES' ? v : input.datatype === 'BOOL' ? v === 'true' || v === '1' : Number(v);
  if (typeof value === 'number' && Number.isNaN(value)) throw new UsageError(`--extra-input ${extra.name}: ${v} is not a number`);
  return { name: input.name, datatype: input.datatype, values: [value] };
}
