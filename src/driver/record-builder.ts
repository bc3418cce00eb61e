/**
 * Turns a finished request into the CaptureRecord the sinks take. One record object and its arrays
 * are reused for every request (sinks copy what they keep), as the export parser does. Times
 * become whole ns from the clock's anchor here, once: the export writes exactly these integers
 * (anchor + offset), so live metrics and `palens analyze` of the export see the same numbers.
 */
import { countChars, countWords, outputsAreEmpty, promptOfInputs } from '../export/outputs.js';
import type { CaptureRecord, CaptureStatus } from '../records/capture-record.js';
import { blankRecord } from '../records/record.js';
import type { ResponseLog } from './response-log.js';

export interface Finished {
  id: string;
  experiment: number;
  index: number;
  warmup: boolean;
  status: CaptureStatus;
  error: string | null;
  sendNs: number;
  intendedNs: number | null;
  promptTokens: number;
  requestInputs: Record<string, string | number | boolean>;
  responses: ResponseLog;
  extras: Record<string, unknown> | null;
}

export class RecordBuilder {
  private readonly r: CaptureRecord = {
    ...blankRecord(),
    status: 'ok',
    id: '',
    warmup: false,
    error: null,
    intendedNs: NaN,
    promptTokens: -1,
    requestInputs: {},
    responseOutputs: [],
    extras: null,
  };

  build(f: Finished): CaptureRecord {
    const r = this.r;
    const log = f.responses;
    const n = log.count;
    if (n > r.responseNs.length) {
      r.responseNs = new Float64Array(Math.max(n, r.responseNs.length * 2));
      r.responseEmpty = new Uint8Array(r.responseNs.length);
    }
    r.responseOutputs.length = n;
    for (let k = 0; k < n; k++) {
      r.responseNs[k] = Math.round(log.stamp(k));
      const outputs = log.outputsOf(k);
      r.responseOutputs[k] = outputs;
      r.responseEmpty![k] = (log.emptyAsSent(k) ?? outputsAreEmpty(outputs)) ? 1 : 0;
    }
    r.experiment = f.experiment;
    r.index = f.index;
    r.sendNs = Math.round(f.sendNs);
    r.responseCount = n;
    r.status = f.status;
    r.id = f.id;
    r.warmup = f.warmup;
    r.error = f.error;
    r.intendedNs = f.intendedNs === null ? NaN : Math.round(f.intendedNs);
    r.promptTokens = f.promptTokens;
    r.requestInputs = f.requestInputs;
    r.extras = f.extras;
    // An OpenAI capture's token count (driver/openai/transport.ts), as the sidecar reader gives it to the export's records.
    const output = (f.extras?.tokens as { output?: unknown } | undefined)?.output;
    r.outputTokens = typeof output === 'number' ? output : -1;
    // Prompt length as the export parser will read it back from request_inputs.
    const prompt = promptOfInputs(f.requestInputs);
    r.promptText = prompt;
    r.promptWords = prompt === null ? -1 : countWords(prompt);
    r.promptChars = prompt === null ? -1 : countChars(prompt);
    return r;
  }
}
