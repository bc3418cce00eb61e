/**
 * The models palens mock serves, with the tensor names, types and streaming behaviour of the real
 * backends (reference: vLLM backend, the 2023 vLLM tutorial model, TensorRT-LLM's ensemble).
 */
import { decodeTensor, type Plain, type TensorValue } from '../proto/codec.js';

export interface TensorSpec {
  name: string;
  /** Config enum name, e.g. TYPE_STRING. */
  configType: string;
  /** Wire datatype, e.g. BYTES. */
  datatype: string;
  dims: number[];
  optional: boolean;
}

export interface GenerationRequest {
  prompt: string;
  maxTokens: number;
  stream: boolean;
  ignoreEos: boolean;
  /** Prepend the prompt to the text (non-streaming vLLM default). */
  includePrompt: boolean;
}

export interface MockModel {
  name: string;
  backend: string;
  maxBatchSize: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Streamed text: each response's new text only (current backends), or everything so far, prompt included (2023 tutorial). */
  cumulative: boolean;
  /** Whether the final flag comes on its own, after the last token (2023 tutorial), rather than with it. */
  separateFinal: boolean;
  parse(inputs: Map<string, TensorValue[]>, parameters: Record<string, unknown>): GenerationRequest;
}

export class MockRequestError extends Error {}

const tensor = (name: string, configType: string, dims: number[], optional = false): TensorSpec => ({
  name,
  configType,
  datatype: configType === 'TYPE_STRING' ? 'BYTES' : configType.replace('TYPE_', ''),
  dims,
  optional,
});

/** vLLM coerces sampling parameter values with the field's Python type; booleans must be JSON booleans. */
function samplingParameters(text: string | undefined, fallback: Record<string, unknown>): Record<string, unknown> {
  if (text === undefined) return fallback;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new MockRequestError(`sampling_parameters is not a JSON object: ${(e as Error).message}`);
  }
}

function maxTokens(params: Record<string, unknown>, fallback: number): number {
  const raw = params.max_tokens;
  if (raw === undefined || raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new MockRequestError(`max_tokens must be a positive integer, got ${String(raw)}`);
  return n;
}

const first = (inputs: Map<string, TensorValue[]>, name: string): TensorValue | undefined => inputs.get(name)?.[0];
const bool = (v: TensorValue | undefined, fallback: boolean): boolean => (v === undefined ? fallback : v === true || v === 1);

export const MODELS: Record<string, MockModel> = {
  vllm: {
    name: 'vllm',
    backend: 'vllm',
    maxBatchSize: 0,
    inputs: [
      tensor('text_input', 'TYPE_STRING', [1]),
      tensor('image', 'TYPE_STRING', [-1], true),
      tensor('stream', 'TYPE_BOOL', [1], true),
      tensor('sampling_parameters', 'TYPE_STRING', [1], true),
      tensor('exclude_input_in_output', 'TYPE_BOOL', [1], true),
      tensor('return_finish_reason', 'TYPE_BOOL', [1], true),
      tensor('return_num_input_tokens', 'TYPE_BOOL', [1], true),
      tensor('return_num_output_tokens', 'TYPE_BOOL', [1], true),
    ],
    outputs: [tensor('text_output', 'TYPE_STRING', [-1])],
    cumulative: false,
    separateFinal: false,
    parse(inputs, parameters) {
      const stream = bool(first(inputs, 'stream'), false);
      const exclude = first(inputs, 'exclude_input_in_output');
      if (stream && exclude !== undefined && !bool(exclude, true)) throw new MockRequestError('streaming with exclude_input_in_output=false is not supported');
      const params = samplingParameters(first(inputs, 'sampling_parameters') as string | undefined, parameters);
      return {
        prompt: String(first(inputs, 'text_input') ?? ''),
        maxTokens: maxTokens(params, 16),
        stream,
        ignoreEos: params.ignore_eos === true,
        includePrompt: !stream && !bool(exclude, false),
      };
    },
  },
  vllm_legacy: {
    name: 'vllm_legacy',
    backend: 'python',
    maxBatchSize: 0,
    inputs: [tensor('PROMPT', 'TYPE_STRING', [1]), tensor('STREAM', 'TYPE_BOOL', [1], true), tensor('SAMPLING_PARAMETERS', 'TYPE_STRING', [1], true)],
    outputs: [tensor('TEXT', 'TYPE_STRING', [-1])],
    cumulative: true,
    separateFinal: true,
    parse(inputs, parameters) {
      const params = samplingParameters(first(inputs, 'SAMPLING_PARAMETERS') as string | undefined, parameters);
      return {
        prompt: String(first(inputs, 'PROMPT') ?? ''),
        maxTokens: maxTokens(params, 16),
        stream: bool(first(inputs, 'STREAM'), false),
        ignoreEos: params.ignore_eos === true || params.ignore_eos === 'true',
        includePrompt: true,
      };
    },
  },
  ensemble: {
    name: 'ensemble',
    backend: '',
    maxBatchSize: 64,
    inputs: [
      tensor('text_input', 'TYPE_STRING', [1]),
      tensor('max_tokens', 'TYPE_INT32', [1]),
      tensor('stream', 'TYPE_BOOL', [1], true),
      tensor('bad_words', 'TYPE_STRING', [-1], true),
      tensor('stop_words', 'TYPE_STRING', [-1], true),
      tensor('exclude_input_in_output', 'TYPE_BOOL', [1], true),
      tensor('end_id', 'TYPE_INT32', [1], true),
      tensor('pad_id', 'TYPE_INT32', [1], true),
      tensor('min_tokens', 'TYPE_INT32', [1], true),
      tensor('temperature', 'TYPE_FP32', [1], true),
      tensor('top_k', 'TYPE_INT32', [1], true),
      tensor('top_p', 'TYPE_FP32', [1], true),
    ],
    outputs: [tensor('text_output', 'TYPE_STRING', [-1])],
    cumulative: false,
    separateFinal: false,
    parse(inputs) {
      const mt = first(inputs, 'max_tokens');
      if (mt === undefined) throw new MockRequestError("missing required input 'max_tokens'");
      return {
        prompt: String(first(inputs, 'text_input') ?? ''),
        maxTokens: maxTokens({ max_tokens: Number(mt) }, 16),
        stream: bool(first(inputs, 'stream'), false),
        ignoreEos: true,
        includePrompt: false,
      };
    },
  },
};

// The Triton vLLM tutorial's name for its model (the README's `-m vllm_model`): the vllm model again.
MODELS.vllm_model = { ...MODELS.vllm!, name: 'vllm_model' };

/** The names the mock serves, for its banner and for errors. */
export const MODEL_NAMES: readonly string[] = Object.keys(MODELS);

/** The request's input tensors by name, checked against the model: every required one, no unknown one. */
export function readInputs(model: MockModel, req: Plain): Map<string, TensorValue[]> {
  const inputs = (req.inputs as Plain[]) ?? [];
  const raw = (req.raw_input_contents as Buffer[]) ?? [];
  const out = new Map<string, TensorValue[]>();
  inputs.forEach((t, i) => {
    const name = String(t.name);
    const spec = model.inputs.find((s) => s.name === name);
    if (spec === undefined) throw new MockRequestError(`unexpected inference input '${name}' for model '${model.name}'`);
    if (String(t.datatype) !== spec.datatype) throw new MockRequestError(`input '${name}': datatype ${String(t.datatype)}, model expects ${spec.datatype}`);
    const shape = (t.shape as number[]) ?? [];
    const want = model.maxBatchSize > 0 ? [1, ...spec.dims] : spec.dims;
    if (shape.length !== want.length || shape.some((d, k) => want[k] !== -1 && d !== want[k])) {
      throw new MockRequestError(`input '${name}': shape [${shape.join(',')}], model expects [${want.join(',')}]`);
    }
    const contents = t.contents as Plain | null | undefined;
    let values: TensorValue[];
    if (raw.length > 0) values = decodeTensor(spec.datatype, raw[i] ?? Buffer.alloc(0));
    else if (contents) values = contentsValues(spec.datatype, contents);
    else values = [];
    out.set(name, values);
  });
  for (const spec of model.inputs) {
    if (!spec.optional && !out.has(spec.name)) throw new MockRequestError(`missing required input '${spec.name}' for model '${model.name}'`);
  }
  return out;
}

function contentsValues(datatype: string, c: Plain): TensorValue[] {
  switch (datatype) {
    case 'BYTES':
      return ((c.bytes_contents as Buffer[]) ?? []).map((b) => b.toString('utf8'));
    case 'BOOL':
      return (c.bool_contents as boolean[]) ?? [];
    case 'INT32':
    case 'INT16':
    case 'INT8':
      return (c.int_contents as number[]) ?? [];
    case 'INT64':
      return (c.int64_contents as number[]) ?? [];
    case 'FP32':
      return (c.fp32_contents as number[]) ?? [];
    default:
      return [];
  }
}
