/**
 * The server's prompt length against the one palens meant (docs/METRICS.md, "Prompt tokens the server
 * counted"). An OpenAI-compatible server reports `usage.prompt_tokens`; palens knows the prompt's
 * length in tokens when it built or counted the prompt with `--tokenizer` (the sidecar's
 * `prompt_tokens`). Without a tokenizer the intended length is in words, and there is nothing to
 * compare. Decided here once: per request for the sidecar, tallied for `analyze` and the capture.
 */

/** What a request's sidecar `tokens` adds: the server's count minus palens's, and whether they differ (null: not comparable). */
export interface PromptTokenVerdict {
  prompt_tokens_difference: number | null;
  prompt_tokens_mismatch: boolean | null;
}

/** @param intended palens's token count of the prompt, or -1 when unknown (words, input data). @param usage the server's usage.prompt_tokens, or -1. */
export function checkPromptTokens(intended: number, usage: number): PromptTokenVerdict {
  if (intended < 0 || usage < 0) return { prompt_tokens_difference: null, prompt_tokens_mismatch: null };
  return { prompt_tokens_difference: usage - intended, prompt_tokens_mismatch: usage !== intended };
}

/** One input's tally, as the analysis reports it (`inputs[].prompt_tokens_check`). */
export interface PromptTokensCheck {
  /** Measured requests whose two counts could be compared. */
  compared: number;
  /** Of those, how many the server counted differently. */
  differing: number;
  /** Smallest and largest usage.prompt_tokens − intended over the compared requests; null when none. */
  min_difference: number | null;
  max_difference: number | null;
}

export class PromptTokenTally {
  private seen = false;
  private compared = 0;
  private differing = 0;
  private min = Infinity;
  private max = -Infinity;

  /** A measured request's sidecar `tokens` object (or undefined when it has none: a Triton capture). */
  add(tokens: unknown): void {
    if (typeof tokens !== 'object' || tokens === null) return;
    this.seen = true;
    const d = (tokens as { prompt_tokens_difference?: unknown }).prompt_tokens_difference;
    if (typeof d !== 'number') return;
    this.compared++;
    if (d !== 0) this.differing++;
    if (d < this.min) this.min = d;
    if (d > this.max) this.max = d;
  }

  /** Null for an input without token reports (not an OpenAI capture). */
  result(): PromptTokensCheck | null {
    if (!this.seen) return null;
    return { compared: this.compared, differing: this.differing, min_difference: this.compared > 0 ? this.min : null, max_difference: this.compared > 0 ? this.max : null };
  }
}

/** The warning an analysis prints for an input whose server counted prompts differently, or null. */
export function promptTokensWarning(file: string, c: PromptTokensCheck | null | undefined, endpoint: string | null): string | null {
  if (c === null || c === undefined || c.differing === 0) return null;
  const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));
  const by = c.min_difference === c.max_difference ? `by ${signed(c.min_difference!)} token${Math.abs(c.min_difference!) === 1 ? '' : 's'}` : `by ${signed(c.min_difference!)} to ${signed(c.max_difference!)} tokens`;
  // A chat template wraps the message in tokens of its own: the same positive difference on every request.
  const template = endpoint !== null && endpoint.includes('chat') && c.min_difference === c.max_difference && c.min_difference! > 0 && c.differing === c.compared ? ' — the same on every request: most likely the chat template\'s own tokens around the message' : '';
  return `${file}: prompt tokens: the server's usage.prompt_tokens differs from the length palens meant on ${c.differing} of ${c.compared} requests (${by})${template}; prompt lengths here are palens's (--tokenizer), not the server's count (docs/METRICS.md#prompt-tokens-the-server-counted)`;
}
