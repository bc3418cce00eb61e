import { describe, expect, test } from '@jest/globals';
import { decodeStreamResponseFast } from '../../src/driver/decode.js';
import { encodeTensor, inferenceService } from '../../src/proto/codec.js';

const encode = inferenceService.ModelStreamInfer.responseSerialize as (v: object) => Buffer;

describe('the hand-written response decoder agrees with protobufjs', () => {
  test.each([
    [{ infer_response: { model_name: 'vllm', model_version: '1', id: 'palens-0-17', parameters: { triton_final_response: { bool_param: true } }, outputs: [{ name: 'text_output', datatype: 'BYTES', shape: [1] }], raw_output_contents: [encodeTensor('BYTES', ['héllo'])] } }, { error: '', id: 'palens-0-17', final: true, outputs: [{ name: 'text_output', datatype: 'BYTES' }], text: ['héllo'] }],
    [{ infer_response: { id: 'x', parameters: { other: { int64_param: 5 }, triton_final_response: { bool_param: false } } } }, { error: '', id: 'x', final: false, outputs: [], text: [] }],
    [{ error_message: 'boom', infer_response: { id: 'y', parameters: { triton_final_response: { bool_param: true } } } }, { error: 'boom', id: 'y', final: true, outputs: [], text: [] }],
    [{ infer_response: { id: 'z', outputs: [{ name: 'a', datatype: 'BYTES', shape: [1, 1] }, { name: 'b', datatype: 'INT32', shape: [1] }], raw_output_contents: [encodeTensor('BYTES', ['']), encodeTensor('INT32', [7])] } }, { error: '', id: 'z', final: false, outputs: [{ name: 'a', datatype: 'BYTES' }, { name: 'b', datatype: 'INT32' }], text: ['', null] }],
  ])('%#', (message, want) => {
    const got = decodeStreamResponseFast(encode(message));
    expect({ error: got.error, id: got.id, final: got.final, outputs: got.outputs }).toEqual({ error: want.error, id: want.id, final: want.final, outputs: want.outputs });
    want.text.forEach((t, i) => {
      if (t !== null) expect(got.raw[i]!.subarray(4).toString('utf8')).toBe(t);
    });
  });
});
