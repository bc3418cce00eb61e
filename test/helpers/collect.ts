import { ProfileParser, type ParseResult } from '../../src/export/profile-parser.js';
import type { ExperimentInfo, RecordSink, RequestRecord } from '../../src/records/record.js';

export interface CopiedRecord {
  experiment: number;
  index: number;
  sendNs: number;
  responses: number[];
  empty: number[] | null;
  promptWords: number;
  promptChars: number;
}

/** A sink that copies every record (records reuse their arrays). */
export class CollectingSink implements RecordSink {
  records: CopiedRecord[] = [];
  experiments: ExperimentInfo[] = [];
  record(r: RequestRecord): void {
    this.records.push({
      experiment: r.experiment,
      index: r.index,
      sendNs: r.sendNs,
      responses: Array.from(r.responseNs.subarray(0, r.responseCount)),
      empty: r.responseEmpty === null ? null : Array.from(r.responseEmpty.subarray(0, r.responseCount)),
      promptWords: r.promptWords,
      promptChars: r.promptChars,
    });
  }
  experimentEnd(info: ExperimentInfo): void {
    this.experiments.push(info);
  }
}

/** Parses bytes fed in pieces of `step` bytes (1 = every byte boundary). */
export function parseInPieces(bytes: Buffer, step: number, failFast = true): { sink: CollectingSink; result: ParseResult } {
  const sink = new CollectingSink();
  const parser = new ProfileParser(sink, { file: 'test.json', failFast });
  for (let i = 0; i < bytes.length; i += step) parser.feed(bytes.subarray(i, Math.min(bytes.length, i + step)));
  return { sink, result: parser.finish() };
}
