/**
 * The one entry point for reading any supported file into a RecordSink: the format is detected
 * from the content (formats/detect.ts) and the matching reader streams it. Everything downstream
 * (analysis, sweeps, compare, validate) reads through here and never knows which tool wrote the file.
 */
import { readExport, type ReadResult } from '../export/reader.js';
import type { RecordSink } from '../records/record.js';
import { readAiperf } from './aiperf.js';
import type { FileFormat, PeerReadOptions } from './common.js';
import { detectFormat } from './detect.js';
import { readGuidellm } from './guidellm.js';
import { readVllm } from './vllm.js';

/** Reads `file`, whatever tool wrote it; `format` skips detection when the caller already knows it. */
export async function readRecords(file: string, sink: RecordSink, options: PeerReadOptions, format?: FileFormat): Promise<ReadResult> {
  switch (format ?? (await detectFormat(file))) {
    case 'aiperf':
      return readAiperf(file, sink, options);
    case 'guidellm':
      return readGuidellm(file, sink, options);
    case 'vllm':
      return readVllm(file, sink, options);
    default:
      return readExport(file, sink, options);
  }
}
