/**
 * What an input file is, in words, for every report (terminal header, HTML subtitle and inputs table):
 * a peer tool's file is named after that tool, never called a perf_analyzer export, and a chart left out
 * for want of per-gap times says why for the file at hand.
 */
import type { InputSummary } from './analysis.js';

/** A peer tool's file: "AIPerf profile_export.jsonl", "GuideLLM 0.8.1 benchmarks.json". */
export function peerTitle(format: string, version: string | null): string {
  const v = version === null ? '' : ` ${version}`;
  if (format === 'aiperf') return `AIPerf${v} profile_export.jsonl`;
  if (format === 'guidellm') return `GuideLLM${v} benchmarks.json`;
  return `vLLM bench${v} result`;
}

const isPeer = (i: InputSummary): boolean => i.format !== undefined && i.format !== 'perf_analyzer';

/** "palens capture", "perf_analyzer 2.41.0 export", "GuideLLM 0.8.1 benchmarks.json". */
export function inputKind(i: InputSummary, captures?: ReadonlySet<string>): string {
  if (isPeer(i)) return peerTitle(i.format!, i.version);
  if (captures?.has(i.file) || (i.version ?? '').startsWith('palens')) return 'palens capture';
  return i.version === null ? 'perf_analyzer export (version not recorded)' : `perf_analyzer ${i.version} export`;
}

/**
 * Why no token-to-token chart could be drawn: GuideLLM's benchmarks.json keeps only each request's first
 * and last token times, so it has no gaps to draw however many tokens were streamed.
 */
export function noGapsReason(inputs: readonly InputSummary[], fallback: string): string {
  if (inputs.length > 0 && inputs.every((i) => i.format === 'guidellm')) return "GuideLLM's benchmarks.json keeps each request's first and last token times only, not the time of each token";
  return fallback;
}

/** A file size in the unit that shows it: "31.4 KB", "1.3 MB", "1.26 GB". */
export function sizeText(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} KB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
