/**
 * Whether two runs were made alike, in what palens knows of them: a capture's configuration (model,
 * backend, max tokens — from its sidecar) and, from the exports themselves, the load mode and level
 * of each experiment and the prompt lengths. A comparison of unlike runs measures the difference
 * in setup, not a regression; `palens compare` refuses it unless told otherwise (docs/METRICS.md).
 */

/** What one side says about how it ran; null where that side does not know. */
export interface RunFacts {
  model: string | null;
  backend: string | null;
  maxTokens: number | null;
  /** Each experiment's load, "concurrency 4" or "request_rate 5", in experiment order. */
  loads: (string | null)[];
  /** Each experiment's mean prompt length in words (null without prompts), in experiment order. */
  promptWords: (number | null)[];
}

/** Mean prompt lengths further apart than this share are different prompts, not noise. */
export const PROMPT_TOLERANCE = 0.1;

/** Two means of one setting (prompt length, output per request) that differ by more than PROMPT_TOLERANCE of the larger: runs made differently. */
export const farApart = (a: number, b: number): boolean => Math.abs(a - b) > PROMPT_TOLERANCE * Math.max(a, b);

const same = <T>(a: T | null, b: T | null): boolean => a === null || b === null || a === b;

/**
 * Every way A and B differ, one sentence each. Facts only one side knows are not differences.
 * `perExperiment`: experiments are paired by index (plain compare); in a sweep they are pooled by
 * prompt length, so loads are compared as sets and prompt lengths are the groups themselves.
 */
export function configDifferences(a: RunFacts, b: RunFacts, perExperiment: boolean): string[] {
  const out: string[] = [];
  if (!same(a.model, b.model)) out.push(`model: A ${a.model}, B ${b.model}`);
  if (!same(a.backend, b.backend)) out.push(`backend: A ${a.backend}, B ${b.backend}`);
  if (!same(a.maxTokens, b.maxTokens)) out.push(`max tokens: A ${a.maxTokens}, B ${b.maxTokens}`);
  if (perExperiment) {
    const n = Math.min(a.loads.length, b.loads.length);
    for (let i = 0; i < n; i++) {
      if (!same(a.loads[i]!, b.loads[i]!)) out.push(`experiment ${i} load: A ${a.loads[i]}, B ${b.loads[i]}`);
      const wa = a.promptWords[i] ?? null;
      const wb = b.promptWords[i] ?? null;
      if (wa !== null && wb !== null && farApart(wa, wb)) {
        out.push(`experiment ${i} prompt length: A ${round(wa)} words, B ${round(wb)} words on average`);
      }
    }
  } else {
    const la = known(a.loads);
    const lb = known(b.loads);
    if (la.length > 0 && lb.length > 0 && la.join() !== lb.join()) out.push(`loads: A ${la.join(', ')}; B ${lb.join(', ')}`);
  }
  return out;
}

const known = (xs: (string | null)[]): string[] => [...new Set(xs.filter((x): x is string => x !== null))].sort();
/** A mean as a message shows it: whole, or to one decimal. */
export const round = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));
