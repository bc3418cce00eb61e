/**
 * Encoding and decoding of palens's KServe v2 messages (src/proto/inference.proto) with protobufjs,
 * and the gRPC service definition both the driver and the mock use. Tensor data travels in
 * raw_input_contents / raw_output_contents: little-endian numbers, BYTES elements each prefixed by
 * a 4-byte little-endian length.
 */
import { fileURLToPath } from 'node:url';
import type { ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

// keepCase: field names as in the .proto (snake_case), as Triton documents them.
const root = new protobuf.Root().loadSync(fileURLToPath(new URL('../../../src/proto/inference.proto', import.meta.url)), { keepCase: true });
const type = (name: string): protobuf.Type => root.lookupType(`inference.${name}`);

export const Messages = {
  ServerLiveRequest: type('ServerLiveRequest'),
  ServerLiveResponse: type('ServerLiveResponse'),
  ServerReadyRequest: type('ServerReadyRequest'),
  ServerReadyResponse: type('ServerReadyResponse'),
  ModelReadyRequest: type('ModelReadyRequest'),
  ModelReadyResponse: type('ModelReadyResponse'),
  ServerMetadataRequest: type('ServerMetadataRequest'),
  ServerMetadataResponse: type('ServerMetadataResponse'),
  ModelMetadataRequest: type('ModelMetadataRequest'),
  ModelMetadataResponse: type('ModelMetadataResponse'),
  ModelConfigRequest: type('ModelConfigRequest'),
  ModelConfigResponse: type('ModelConfigResponse'),
  RepositoryIndexRequest: type('RepositoryIndexRequest'),
  RepositoryIndexResponse: type('RepositoryIndexResponse'),
  ModelInferRequest: type('ModelInferRequest'),
  ModelStreamInferResponse: type('ModelStreamInferResponse'),
} as const;

/** Config enum (TYPE_STRING) → wire datatype (BYTES). */
export function wireType(configType: string): string {
  const t = configType.replace(/^TYPE_/, '');
  return t === 'STRING' ? 'BYTES' : t;
}

export const SERVICE = '/inference.GRPCInferenceService/';

const ser = (t: protobuf.Type) => (value: object): Buffer => Buffer.from(t.encode(t.fromObject(value)).finish());
const de = (t: protobuf.Type) => (bytes: Buffer): Record<string, unknown> =>
  t.toObject(t.decode(bytes), { longs: Number, enums: String, bytes: Buffer, defaults: true, arrays: true }) as Record<string, unknown>;

function method(name: string, req: protobuf.Type, res: protobuf.Type, stream = false) {
  return {
    path: SERVICE + name,
    requestStream: stream,
    responseStream: stream,
    requestSerialize: ser(req),
    requestDeserialize: de(req),
    responseSerialize: ser(res),
    responseDeserialize: de(res),
    originalName: name,
  };
}

/** The service as grpc-js wants it, for `server.addService` and the client's paths. */
export const inferenceService = {
  ServerLive: method('ServerLive', Messages.ServerLiveRequest, Messages.ServerLiveResponse),
  ServerReady: method('ServerReady', Messages.ServerReadyRequest, Messages.ServerReadyResponse),
  ModelReady: method('ModelReady', Messages.ModelReadyRequest, Messages.ModelReadyResponse),
  ServerMetadata: method('ServerMetadata', Messages.ServerMetadataRequest, Messages.ServerMetadataResponse),
  ModelMetadata: method('ModelMetadata', Messages.ModelMetadataRequest, Messages.ModelMetadataResponse),
  ModelConfig: method('ModelConfig', Messages.ModelConfigRequest, Messages.ModelConfigResponse),
  RepositoryIndex: method('RepositoryIndex', Messages.RepositoryIndexRequest, Messages.RepositoryIndexResponse),
  ModelStreamInfer: method('ModelStreamInfer', Messages.ModelInferRequest, Messages.ModelStreamInferResponse, true),
} satisfies ServiceDefinition;

/** A decoded protobuf message as a plain object (longs as numbers, bytes as Buffers). */
export type Plain = Record<string, unknown>;

export const encodeRequest = ser(Messages.ModelInferRequest);

// ---------------------------------------------------------------- tensors

export type TensorValue = string | boolean | number | bigint;

/** The raw bytes of a tensor's elements, as raw_input_contents wants them. */
export function encodeTensor(datatype: string, values: readonly TensorValue[]): Buffer {
  switch (datatype) {
    case 'BYTES': {
      const parts: Buffer[] = [];
      for (const v of values) {
        const body = Buffer.isBuffer(v) ? (v as Buffer) : Buffer.from(String(v), 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(body.length);
        parts.push(len, body);
      }
      return Buffer.concat(parts);
    }
    case 'BOOL':
      return Buffer.from(values.map((v) => (v === true || v === 1 || v === 'true' ? 1 : 0)));
    default: {
      const size = ELEMENT_BYTES[datatype];
      if (size === undefined) throw new Error(`unsupported datatype ${datatype}`);
      const buf = Buffer.alloc(size * values.length);
      values.forEach((v, i) => WRITE[datatype]!(buf, v, i * size));
      return buf;
    }
  }
}

/** The elements of a raw output tensor. */
export function decodeTensor(datatype: string, raw: Buffer): TensorValue[] {
  if (datatype === 'BYTES') {
    const out: string[] = [];
    for (let at = 0; at + 4 <= raw.length; ) {
      const len = raw.readUInt32LE(at);
      out.push(raw.toString('utf8', at + 4, at + 4 + len));
      at += 4 + len;
    }
    return out;
  }
  if (datatype === 'BOOL') return [...raw].map((b) => b !== 0);
  const size = ELEMENT_BYTES[datatype];
  if (size === undefined) return [];
  const out: TensorValue[] = [];
  for (let at = 0; at + size <= raw.length; at += size) out.push(READ[datatype]!(raw, at));
  return out;
}

const ELEMENT_BYTES: Record<string, number> = { UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, UINT32: 4, INT32: 4, UINT64: 8, INT64: 8, FP32: 4, FP64: 8 };
const WRITE: Record<string, (b: Buffer, v: TensorValue, at: number) => void> = {
  UINT8: (b, v, at) => b.writeUInt8(Number(v), at),
  INT8: (b, v, at) => b.writeInt8(Number(v), at),
  UINT16: (b, v, at) => b.writeUInt16LE(Number(v), at),
  INT16: (b, v, at) => b.writeInt16LE(Number(v), at),
  UINT32: (b, v, at) => b.writeUInt32LE(Number(v), at),
  INT32: (b, v, at) => b.writeInt32LE(Number(v), at),
  UINT64: (b, v, at) => b.writeBigUInt64LE(BigInt(v), at),
  INT64: (b, v, at) => b.writeBigInt64LE(BigInt(v), at),
  FP32: (b, v, at) => b.writeFloatLE(Number(v), at),
  FP64: (b, v, at) => b.writeDoubleLE(Number(v), at),
};
const READ: Record<string, (b: Buffer, at: number) => TensorValue> = {
  UINT8: (b, at) => b.readUInt8(at),
  INT8: (b, at) => b.readInt8(at),
  UINT16: (b, at) => b.readUInt16LE(at),
  INT16: (b, at) => b.readInt16LE(at),
  UINT32: (b, at) => b.readUInt32LE(at),
  INT32: (b, at) => b.readInt32LE(at),
  UINT64: (b, at) => b.readBigUInt64LE(at),
  INT64: (b, at) => b.readBigInt64LE(at),
  FP32: (b, at) => b.readFloatLE(at),
  FP64: (b, at) => b.readDoubleLE(at),
};
