/**
 * Progress of a capture on stderr. On a terminal: a bar over the requests expected (or over the
 * lengths of a scenario when the count is open), advancing as requests end. Elsewhere (a log, CI):
 * one plain line every PLAIN_EVERY_MS, so a long capture is never silent and a log never floods.
 */
import type { CaptureProgress } from '../driver/capture.js';
import type { CliIo } from './io.js';

export const PLAIN_EVERY_MS = 5000;

export interface CaptureProgressView {
  /** `step`: the scenario length (0 for a plain capture); `p`: the capture's own progress. */
  update(label: string, step: number, p: CaptureProgress): void;
  stop(): void;
}

interface Counts {
  /** Over every step (scenario length) and level so far. */
  done: number;
  errors: number;
  /** Over the current step's levels alone: what its label names. */
  stepDone: number;
  stepErrors: number;
}

/** Requests ended so far, in all and in the current step, from per-level counts that restart. */
function counter(): (step: number, p: CaptureProgress) => Counts {
  let key = '';
  let currentStep = -1;
  let base = 0;
  let baseErrors = 0;
  let stepBase = 0;
  let stepBaseErrors = 0;
  let last = { done: 0, errors: 0 };
  return (step, p) => {
    const k = `${step}:${p.level}`;
    if (k !== key) {
      base += last.done;
      baseErrors += last.errors;
      stepBase += last.done;
      stepBaseErrors += last.errors;
      if (step !== currentStep) {
        stepBase = 0;
        stepBaseErrors = 0;
        currentStep = step;
      }
      key = k;
      last = { done: 0, errors: 0 };
    }
    last = { done: p.done, errors: p.errors };
    return { done: base + p.done, errors: baseErrors + p.errors, stepDone: stepBase + p.done, stepErrors: stepBaseErrors + p.errors };
  };
}

export async function captureProgress(io: CliIo, steps: number, expected: number | null, now: () => number = Date.now): Promise<CaptureProgressView> {
  const total = counter();
  const started = now();
  const rate = (done: number): string => {
    const s = (now() - started) / 1000;
    return s > 0 ? (done / s).toFixed(1) : '0';
  };
  if (!io.stderrIsTTY || io.env.CI) {
    let next = started + PLAIN_EVERY_MS;
    return {
      update(label, _step, p) {
        const t = total(_step, p);
        if (now() < next) return;
        next = now() + PLAIN_EVERY_MS;
        if (steps === 1) {
          io.stderr.write(`palens: ${label}: ${t.done}${expected === null ? '' : `/${expected}`} requests ended (${p.phase}), ${rate(t.done)} req/s, ${t.errors} failed\n`);
          return;
        }
        // A scenario: the label names one length, so its counts are that length's; the whole run's follow.
        const perStep = expected === null ? '' : `/${expected / steps}`;
        io.stderr.write(
          `palens: ${label} (length ${_step + 1}/${steps}): ${t.stepDone}${perStep} requests ended (${p.phase}), ${t.stepErrors} failed · all lengths ${t.done}${expected === null ? '' : `/${expected}`}, ${rate(t.done)} req/s\n`,
        );
      },
      stop: () => undefined,
    };
  }
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WritableStream,
      // A scenario's bar covers every length; its label says which length runs and that length's own count.
      format: `{label} [{bar}] {value}/{total} ${expected === null ? 'lengths' : steps > 1 ? 'requests, all lengths' : 'requests'} · {phase} · {rate} req/s · failed {errors}`,
      fps: 10,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(expected ?? steps, 0, { label: '', phase: '', rate: '0', errors: 0 });
  return {
    update(label, step, p) {
      const t = total(step, p);
      const own = steps > 1 ? ` (length ${step + 1}/${steps}: ${t.stepDone}${expected === null ? '' : `/${expected / steps}`} ended)` : '';
      bar.update(expected === null ? step : Math.min(t.done, expected), { label: `${label}${own}`, phase: p.phase, rate: rate(t.done), errors: t.errors });
    },
    stop: () => bar.stop(),
  };
}
