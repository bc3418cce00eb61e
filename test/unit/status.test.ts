/** A request whose source says it failed (timeout, cancelled, errors, in flight) is failed, whatever it received. */
import { describe, expect, test } from '@jest/globals';
import { ExperimentAccumulator } from '../../src/metrics/experiment.js';
import type { RequestRecord, RequestStatus } from '../../src/records/record.js';

function record(index: number, sendNs: number, responses: number[], status: RequestStatus | null): RequestRecord {
  return {
    experiment: 0,
    index,
    sendNs,
    responseCount: responses.length,
    responseNs: Float64Array.from(responses),
    responseEmpty: new Uint8Array(responses.length),
    promptWords: 3,
    promptChars: 15,
    promptText: 'one two three',
    status,
  };
}

const INFO = { index: 0, mode: 'concurrency', value: 1, windows: null, requests: 6 };

describe('request status', () => {
  test('only null and ok complete; every other status is failed, counted by status, and enters no statistic', () => {
    const acc = new ExperimentAccumulator({ keepEmptyResponses: false, percentiles: [50] });
    acc.add(record(0, 0, [1000, 1300, 1700], 'ok'));
    acc.add(record(1, 10_000, [12_000, 12_100], null));
    // Partial streams of failed requests: their gaps, latencies and last responses must not count.
    acc.add(record(2, 20_000, [20_500, 90_000, 400_000], 'timeout'));
    acc.add(record(3, 30_000, [31_000], 'cancelled'));
    acc.add(record(4, 40_000, [], 'server_error'));
    acc.add(record(5, 50_000, [50_001, 50_002], 'timeout'));
    acc.add(record(6, 60_000, [61_000], 'in_flight'));
    const s = acc.summary(INFO);
    expect(s.requests).toEqual({
      total: 7,
      completed: 2,
      failed: 5,
      failed_no_response: 0,
      failed_only_empty_responses: 0,
      failed_status: 5,
      with_prompt: 7,
      failed_by_status: { timeout: 2, cancelled: 1, server_error: 1, in_flight: 1 },
    });
    expect(s.responses).toEqual({ total: 12, empty: 0, empty_dropped: 0, used: 5 });
    expect(s.metrics.time_to_first_token).toMatchObject({ count: 2, min: 1000, max: 2000 });
    expect(s.metrics.token_to_token_latency).toMatchObject({ count: 3, min: 100, max: 400 });
    expect(s.metrics.request_latency).toMatchObject({ count: 2, min: 1700, max: 2100 });
    // Duration from the first send to the last used response: 12,100, not the timed-out 400,000.
    expect(s.duration_ns).toBe(12_100);
  });

  test('a failed status survives a merge across threads', () => {
    const a = new ExperimentAccumulator({ keepEmptyResponses: false, percentiles: [50] });
    const b = new ExperimentAccumulator({ keepEmptyResponses: false, percentiles: [50] });
    a.add(record(0, 0, [1000], 'timeout'));
    b.add(record(1, 0, [1000], 'timeout'));
    b.add(record(2, 0, [1000], 'client_error'));
    a.merge(b.snapshot(), 0);
    expect(a.summary(INFO).requests.failed_by_status).toEqual({ timeout: 2, client_error: 1 });
  });
});
