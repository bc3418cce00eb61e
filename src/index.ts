/**
 * palens as a library: read perf_analyzer profile exports exactly and summarise them.
 * No CLI, colour or process state here.
 */
export { analyzeFiles, ANALYSIS_SCHEMA_VERSION } from './pipeline/analysis.js';
export { analyzeSweep } from './pipeline/sweep-analysis.js';
export type { SweepOptions } from './pipeline/sweep-analysis.js';
export type { Analysis, AnalyzeOptions, FileExperiment, InputSummary } from './pipeline/analysis.js';
export { EXIT, InputError, IoError, PalensError, UsageError } from './errors.js';
export type { ErrorCode, ErrorLocation } from './errors.js';
export { readExport } from './export/reader.js';
export type { ReadOptions, ReadResult } from './export/reader.js';
export { ProfileParser } from './export/profile-parser.js';
export type { ParseResult, ParserOptions } from './export/profile-parser.js';
export { validateFile } from './export/validate.js';
export type { Validation } from './export/validate.js';
export { describeProblem } from './export/problems.js';
export type { Problem } from './export/problems.js';
export { DEFAULT_PERCENTILES, percentileKey, summarize } from './metrics/distribution.js';
export type { Distribution } from './metrics/distribution.js';
export { DISTRIBUTION_METRICS, METRICS, metricDocs, metricSpec, RATE_METRICS, SWEEP_METRICS } from './metrics/catalogue.js';
export type { DistributionMetric, MetricKey, MetricSpec, RateMetric, SweepMetric } from './metrics/catalogue.js';
export { ExperimentAccumulator } from './metrics/experiment.js';
export type { ExperimentMetrics, ExperimentSummary, MetricOptions } from './metrics/experiment.js';
export { ExactSample } from './metrics/samples.js';
export type { Sample } from './metrics/samples.js';
export type { ExperimentInfo, RecordSink, RequestRecord, SourceInfo } from './records/record.js';
export { ExactSum, splitDecimal, TimeBase } from './records/time.js';
export { renderCsv } from './report/csv.js';
export { renderJson } from './report/json.js';
export { renderTable } from './report/table.js';
export { VERSION } from './version.js';
