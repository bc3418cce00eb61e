/**
 * When a capture gives up because nothing succeeds. perf_analyzer stops at the first error; palens
 * keeps going through a few failures (a server that drops one stream should not end a long run),
 * but not through a server that fails everything: by default it stops when the first
 * FIRST_FAILURES requests to end all failed, or when, after at least SHARE_MIN_ENDED requests,
 * more than FAILED_SHARE of them failed. `--max-errors N` replaces the rule: stop after more than N
 * failed requests. Warm-ups count: a server that fails them will fail the rest.
 */

/** The first requests to end, all failed: stop. */
export const FIRST_FAILURES = 5;
/** Share of ended requests that failed beyond which a capture stops… */
export const FAILED_SHARE = 0.5;
/** …once at least this many requests have ended. */
export const SHARE_MIN_ENDED = 20;

export type FailurePolicy = { kind: 'default' } | { kind: 'max_errors'; maxErrors: number };

export class FailureRule {
  private ended = 0;
  private failed = 0;
  /** The first failed request's error text (the server's, usually), for the user. */
  firstError: string | null = null;

  constructor(private readonly policy: FailurePolicy) {}

  /** Counts one ended request; returns why to stop, or null to go on. */
  add(status: string, error: string | null): string | null {
    this.ended++;
    if (status === 'ok') return null;
    this.failed++;
    this.firstError ??= error;
    if (this.policy.kind === 'max_errors') {
      return this.failed > this.policy.maxErrors ? `more than ${this.policy.maxErrors} failed requests (--max-errors)` : null;
    }
    if (this.failed === this.ended && this.ended >= FIRST_FAILURES) return `the first ${this.ended} requests all failed`;
    if (this.ended >= SHARE_MIN_ENDED && this.failed > FAILED_SHARE * this.ended) return `${this.failed} of ${this.ended} requests failed (more than ${FAILED_SHARE * 100}%)`;
    return null;
  }
}
