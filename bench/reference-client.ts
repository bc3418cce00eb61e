/**
 * bench/reference-client: the harness's noise floor for bench/driver. A bare closed-loop
 * ModelStreamInfer client on Node's own HTTP/2, with none of palens capture's machinery (no
 * @grpc/grpc-js, no export writer, no prompts per request, no progress): it stamps each HTTP/2
 * DATA chunk the moment Node hands it over and keeps the stamps in memory. What it cannot get
 * below on this machine, palens capture cannot either.
 *
 *   node dist/bench/reference-client.js TARGET STREAMS REQUESTS_PER_STREAM WARMUP_PER_STREAM WORDS MAX_TOKENS OUT.json
 *
 * OUT.json: [{ id, send_epoch_ns, stamps_epoch_ns: [...] }] for the measured requests.
 */
import http2 from 'node:http2';
import { writeFileSync } from 'node:fs';
import { encodeRequest } from '../src/proto/codec.js';
import { inferRequest, type ModelInfo, presetSource } from '../src/driver/presets.js';
import { decodeStreamResponseFast } from '../src/driver/decode.js';
import { MonotonicClock } from '../src/records/clock.js';

const [target, streamsArg, perStreamArg, warmupArg, wordsArg, maxTokensArg, outFile] = process.argv.slice(2);
if (outFile === undefined) {
  console.error('usage: reference-client TARGET STREAMS REQUESTS_PER_STREAM WARMUP_PER_STREAM WORDS MAX_TOKENS OUT.json');
  process.exit(2);
}
const streams = Number(streamsArg);
const perStream = Number(perStreamArg);
const warmup = Number(warmupArg);
const clock = new MonotonicClock();
const source = presetSource('vllm', { maxTokens: Number(maxTokensArg), ignoreEos: false, extraInputs: [], requestParameters: {} });
const model: ModelInfo = { name: 'vllm', maxBatchSize: 0, inputs: [], outputs: [], decoupled: true };
const prompt = Array.from({ length: Number(wordsArg) }, (_, i) => `w${i}`).join(' ');

interface Done {
  id: string;
  send_epoch_ns: string;
  stamps_epoch_ns: string[];
}
const results: Done[] = [];
const session = http2.connect(`http://${target}`);
session.on('error', (e) => {
  console.error(`reference client: ${e.message}`);
  process.exit(1);
});

function runStream(s: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/inference.GRPCInferenceService/ModelStreamInfer', 'content-type': 'application/grpc', te: 'trailers' });
    let n = 0;
    let sendNs = 0;
    let stamps: number[] = [];
    let pending: Buffer = Buffer.alloc(0);
    const send = (): void => {
      const body = encodeRequest(inferRequest(model, source.next(prompt), `ref-${s}-${n}`));
      const frame = Buffer.allocUnsafe(5 + body.length);
      frame[0] = 0;
      frame.writeUInt32BE(body.length, 1);
      body.copy(frame, 5);
      stamps = [];
      sendNs = clock.nowNs();
      stream.write(frame);
    };
    stream.on('data', (chunk: Buffer) => {
      const stampNs = clock.nowNs();
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const len = pending.readUInt32BE(1);
        const msg = decodeStreamResponseFast(pending.subarray(5, 5 + len));
        pending = pending.subarray(5 + len);
        if (msg.error !== '') return reject(new Error(msg.error));
        stamps.push(stampNs);
        if (!msg.final) continue;
        if (n >= warmup) results.push({ id: msg.id, send_epoch_ns: clock.epochNs(sendNs), stamps_epoch_ns: stamps.map((t) => clock.epochNs(t)) });
        if (++n < warmup + perStream) send();
        else {
          stream.end();
          resolve();
        }
      }
    });
    stream.on('error', reject);
    send();
  });
}

await Promise.all(Array.from({ length: streams }, (_, s) => runStream(s)));
session.close();
writeFileSync(outFile, JSON.stringify(results));
