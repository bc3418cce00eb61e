/**
 * Memory per experiment: what an accumulator allocates, measured in bytes of its arrays (never in
 * timings or RSS). 10,000 one-request experiments once cost ~0.9 MB each (issue 10); a small
 * experiment must now cost bytes, and a long one stays flat.
 */
import { describe, expect, test } from '@jest/globals';
import { ExperimentAccumulator } from '../../src/metrics/experiment.js';
import { ExperimentSet } from '../../src/metrics/experiment-set.js';
import type { RequestRecord } from '../../src/records/record.js';

function request(experiment: number, index: number, responses: number): RequestRecord {
  const send = index * 1_000_000;
  const ns = new Float64Array(responses);
  for (let k = 0; k < responses; k++) ns[k] = send + 20_000_000 + k * (9_000_000 + ((index * 7 + k * 13) % 2_000_000));
  return { experiment, index, sendNs: send, responseCount: responses, responseNs: ns, responseEmpty: null, promptWords: 12, promptChars: 60, promptText: null, status: null };
}

const options = { keepEmptyResponses: false, percentiles: [1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9] };

describe('accumulator memory', () => {
  test('an experiment of one request holds under 2 KiB of arrays, before and after its summary', () => {
    const acc = new ExperimentAccumulator(options);
    acc.add(request(0, 0, 17));
    expect(acc.bytes()).toBeLessThan(2048);
    acc.summary({ index: 0, mode: 'concurrency', value: 1, windows: null, requests: 1 });
    expect(acc.bytes()).toBeLessThan(2048);
  });

  test('10,000 one-request experiments hold under 10 MiB of arrays after every summary', () => {
    const set = new ExperimentSet(options);
    for (let e = 0; e < 10_000; e++) {
      set.record(request(e, 0, 9));
      set.experimentEnd({ index: e, mode: 'concurrency', value: 1, windows: null, requests: 1 });
    }
    expect(set.summaries()).toHaveLength(10_000);
    expect(set.bytes()).toBeLessThan(10 << 20);
  });
});
