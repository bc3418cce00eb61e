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
  /** Null once the experiment is summarised at its end (see {@link ExperimentSetOptions.closeAtEnd}). */
  acc: ExperimentAccumulator | null;
  info: ExperimentInfo | null;
  summary: ExperimentSummary | null;
  figures: ExperimentFigures | null;
  /** Kept at the end with the figures (undefined: not kept). */
  timeline?: Timeline | null;
}

export interface ExperimentSetOptions {
  /**
   * Summarise each experiment when it ends and let its accumulator go (records of an experiment
   * never come after its end in one reader): a file of 10,000 small experiments then holds 10,000
   * summaries, not 10,000 accumulators' objects. Not for a set that is merged or snapshotted (a
   * split file's halves). @default false
   */
  closeAtEnd?: boolean;
  /** With closeAtEnd: keep each experiment's figures and timeline too (for a report that draws). */
  figures?: boolean;
}

export class ExperimentSet implements RecordSink {
  private readonly entries = new Map<number, Entry>();

  /** @param wanted which experiment indexes to keep (all by default). */
  constructor(
    private readonly options: MetricOptions,
    private readonly wanted: (index: number) => boolean = () => true,
    private readonly setOptions: ExperimentSetOptions = {},
  ) {}

  private entry(index: number): Entry {
    let e = this.entries.get(index);
    if (e === undefined) {
      e = { acc: new ExperimentAccumulator(this.options), info: null, summary: null, figures: null };
      this.entries.set(index, e);
    }
    return e;
  }

  /** The entry's accumulator (it was not closed). */
  private open(e: Entry): ExperimentAccumulator {
    if (e.acc === null) throw new Error('experiment set: a record or merge after its experiment was summarised');
    return e.acc;
  }

  record(r: RequestRecord): void {
    if (this.wanted(r.experiment)) this.open(this.entry(r.experiment)).add(r);
  }

  experimentEnd(info: ExperimentInfo): void {
    if (!this.wanted(info.index)) return;
    const e = this.entry(info.index);
    e.info = info;
    if (this.setOptions.closeAtEnd) {
      const acc = this.open(e);
      e.summary = acc.summary(info);
      if (this.setOptions.figures) {
        e.figures = experimentFigures(acc.figureSamples());
        e.timeline = acc.timelinePoints();
      }
      e.acc = null;
    }
  }

  /** Entries of the experiments that ended, by index. */
  private ended(): Entry[] {
    return [...this.entries.entries()]
      .filter(([, e]) => e.info !== null)
      .sort(([a], [b]) => a - b)
      .map(([, e]) => e);
  }

  /** Summaries of the experiments that ended, by index. */
  summaries(): ExperimentSummary[] {
    return this.ended().map((e) => e.summary ?? this.open(e).summary(e.info!));
  }

  /** Figures of the same experiments as summaries(), in the same order (for a report that draws). */
  figures(): ExperimentFigures[] {
    return this.ended().map((e) => e.figures ?? experimentFigures(this.open(e).figureSamples()));
  }

  /** Requests over time of the same experiments as summaries(), in the same order (null where not kept). */
  timelines(): (Timeline | null)[] {
    return this.ended().map((e) => (e.timeline !== undefined ? e.timeline : this.open(e).timelinePoints()));
  }

  /** Bytes held by every accumulator's arrays. */
  bytes(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.acc?.bytes() ?? 0;
    return total;
  }

  snapshot(): ExperimentSetState[] {
    return [...this.entries.entries()].map(([index, e]) => ({ index, info: e.info, acc: this.open(e).snapshot() }));
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
      this.open(e).merge(s.acc, timeShift);
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
