/**
 * How many tokens each event of an OpenAI stream carried. Only content events carry tokens (the
 * role-only chunk, empty deltas, the usage chunk and `[DONE]` carry none), and the count per event
 * comes from the best source the stream allows, in this order:
 *
 * - `usage`: the server's cumulative `usage.completion_tokens` on every content event (vLLM's
 *   `stream_options.continuous_usage_stats`): the difference from the previous event's count is
 *   exact. Tokens the server counts on an event without text (an EOS on the finish chunk) are not
 *   content and are reported apart (`uncounted`).
 * - `tokenizer`: a local tokenizer re-encoding the text received so far after each event; the
 *   difference of two counts is the event's share. Approximate where a token spans two events
 *   (a merge across the boundary moves a token from one event to the next, or gives an event 0).
 * - `events`: one token per content event, as most clients assume.
 *
 * Runs once per request, when it ends — never per event on the hot path.
 */
import type { EventLog } from './event-log.js';

export type TokenSource = 'usage' | 'tokenizer' | 'events';

export interface Attribution {
  source: TokenSource;
  /** Tokens per event, parallel to the log (0 for every event that is not content). */
  perEvent: number[];
  /** Sum over content events. */
  tokens: number;
  /** With `usage`: tokens the server counted on events without content (e.g. EOS); else 0. */
  uncounted: number;
}

export function attributeTokens(log: EventLog, count: ((text: string) => number) | null): Attribution {
  const n = log.count;
  const perEvent = new Array<number>(n).fill(0);
  let continuous = log.contentEvents() > 0;
  for (let k = 0; k < n && continuous; k++) if (log.isContent(k) && log.usageOf(k) < 0) continuous = false;
  if (continuous) {
    let prev = 0;
    let tokens = 0;
    let uncounted = 0;
    for (let k = 0; k < n; k++) {
      const u = log.usageOf(k);
      if (u < 0) continue;
      const d = Math.max(0, u - prev);
      prev = Math.max(prev, u);
      if (log.isContent(k)) {
        perEvent[k] = d;
        tokens += d;
      } else uncounted += d;
    }
    return { source: 'usage', perEvent, tokens, uncounted };
  }
  if (count !== null) {
    let prev = 0;
    let tokens = 0;
    for (let k = 0; k < n; k++) {
      if (!log.isContent(k)) continue;
      const c = count(log.textThrough(k));
      const d = Math.max(0, c - prev);
      prev = Math.max(prev, c);
      perEvent[k] = d;
      tokens += d;
    }
    return { source: 'tokenizer', perEvent, tokens, uncounted: 0 };
  }
  let tokens = 0;
  for (let k = 0; k < n; k++) {
    if (log.isContent(k)) {
      perEvent[k] = 1;
      tokens++;
    }
  }
  return { source: 'events', perEvent, tokens, uncounted: 0 };
}
