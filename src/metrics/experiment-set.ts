/**
 * Accumulators for every experiment of a source, as one RecordSink: what `palens analyze` feeds
 * its records to, in one thread or split across two.
 */
import type { ExperimentInfo, RecordSink, RequestRecord } from '../records/record.js';
import { experimentFigures, type ExperimentFigures } from './figures.js';
import type { Timeline } from './timeline.js';
import { type AccumulatorState, ExperimentAccumulator, type ExperimentSummary, type MetricOptions } from './experiment.js';

export interface ExperimentSetState {
  index: number;
  info: ExperimentInfo | null;
  acc: AccumulatorState;
}

interface Entry {
  acc: ExperimentAccumulator;
  info: ExperimentInfo | null;
}

export class ExperimentSet implements RecordSink {
  private readonly entries = new Map<number, Entry>();

  /** @param wanted which experiment indexes to keep (all by default). */
  constructor(
    private readonly options: MetricOptions,
    private readonly wanted: (index: number) => boolean = () => true,
  ) {}

  private entry(index: number): Entry {
    let e = this.entries.get(index);
    if (e === undefined) {
      e = { acc: new ExperimentAccumulator(this.options), info: null };
      this.entries.set(index, e);
    }
    return e;
  }

  record(r: RequestRecord): void {
    if (this.wanted(r.experiment)) this.entry(r.experiment).acc.add(r);
  }

  experimentEnd(info: ExperimentInfo): void {
    if (this.wanted(info.index)) this.entry(info.index).info = info;
  }

  /** Summaries of the experiments that ended, by index. */
  summaries(): ExperimentSummary[] {
    return [...this.entries.entries()]
      .filter(([, e]) => e.info !== null)
      .sort(([a], [b]) => a - b)
      .map(([, e]) => e.acc.summary(e.info!));
  }

  /** Figures of the same experiments as summaries(), in the same order (for a report that draws). */
  figures(): ExperimentFigures[] {
    return [...this.entries.entries()]
      .filter(([, e]) => e.info !== null)
      .sort(([a], [b]) => a - b)
      .map(([, e]) => experimentFigures(e.acc.figureSamples()));
  }

  /** Requests over time of the same experiments as summaries(), in the same order (null where not kept). */
  timelines(): (Timeline | null)[] {
    return [...this.entries.entries()]
      .filter(([, e]) => e.info !== null)
      .sort(([a], [b]) => a - b)
      .map(([, e]) => e.acc.timelinePoints());
  }

  /** Bytes held by every accumulator's arrays. */
  bytes(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.acc.bytes();
    return total;
  }

  snapshot(): ExperimentSetState[] {
    return [...this.entries.entries()].map(([index, e]) => ({ index, info: e.info, acc: e.acc.snapshot() }));
  }

  /**
   * Adds experiments read by another parser: its experiment k is this set's k + indexShift, its
   * times are `timeShift` ns after this set's time base. Requests counts add up; mode and value
   * come from whichever side saw them.
   */
  merge(states: readonly ExperimentSetState[], indexShift: number, timeShift: number): void {
    for (const s of states) {
      const index = s.index + indexShift;
      if (!this.wanted(index)) continue;
      const e = this.entry(index);
      e.acc.merge(s.acc, timeShift);
      if (s.info !== null) {
        const mine = e.info;
        e.info = {
          index,
          mode: mine?.mode ?? s.info.mode,
          value: mine?.value ?? s.info.value,
          windows: s.info.windows ?? mine?.windows ?? null,
          requests: (mine?.requests ?? 0) + s.info.requests,
        };
      }
    }
  }

  /** Records the head's unfinished experiment (mode, value, requests so far) before a merge. */
  setPartial(info: ExperimentInfo): void {
    if (this.wanted(info.index)) this.entry(info.index).info = info;
  }
}
