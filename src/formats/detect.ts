/**
 * Which tool wrote a file, from its content (never its name): the head of the (gunzipped) file is
 * enough, because each tool writes its distinctive keys first.
 *
 * - AIPerf profile_export.jsonl: the first line is a whole JSON object whose `metadata` holds
 *   `request_start_ns`.
 * - GuideLLM benchmarks.json: a top-level `metadata` object holding `guidellm_version`.
 * - vLLM bench result JSON: top-level `date` / `backend` / `endpoint_type` keys and the
 *   per-request `ttfts` array.
 * - Anything else is read as a perf_analyzer profile export, whose reader gives the precise error.
 */
import { fileChunks, type FileFormat } from './common.js';

/** Bytes of the head looked at. */
const HEAD_BYTES = 64 << 10;

export async function detectFormat(file: string): Promise<FileFormat> {
  const parts: Buffer[] = [];
  let held = 0;
  for await (const chunk of fileChunks(file, { failFast: true, chunkBytes: HEAD_BYTES })) {
    parts.push(chunk);
    held += chunk.length;
    if (held >= HEAD_BYTES) break;
  }
  return formatOfHead(Buffer.concat(parts).toString('utf8', 0, Math.min(held, HEAD_BYTES)));
}

/** The format a file's head shows (exported for tests). */
export function formatOfHead(head: string): FileFormat {
  const text = head.replace(/^\uFEFF?\s*/, '');
  if (!text.startsWith('{')) return 'perf_analyzer';
  const firstKey = /^\{\s*"([^"\\]*)"/.exec(text)?.[1];
  if (firstKey === 'metadata') {
    if (/"guidellm_version"\s*:/.test(text.slice(0, 4096))) return 'guidellm';
    const nl = text.indexOf('\n');
    {
      try {
        const first = JSON.parse(nl > 0 ? text.slice(0, nl) : text) as { metadata?: { request_start_ns?: unknown } };
        if (first.metadata !== undefined && first.metadata !== null && 'request_start_ns' in first.metadata) return 'aiperf';
      } catch {
        // Not a JSON line: another format.
      }
    }
  }
  if ((firstKey === 'date' || firstKey === 'backend' || firstKey === 'endpoint_type' || firstKey === 'duration') && /"(ttfts|itls|input_lens)"\s*:/.test(text)) return 'vllm';
  return 'perf_analyzer';
}
