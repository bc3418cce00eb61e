/**
 * Text prompts are drawn from: plain English about serving language models, written for palens.
 * Any passage works; what matters is ordinary words a tokenizer splits the usual way.
 */
export const CORPUS = `
A language model server answers each request in two phases. First it reads the whole prompt at once,
filling a cache with what every token means in its context; this is the prefill, and its cost grows with
the length of the prompt. Then it writes the answer one token at a time, each step reading the cache built
so far; this is the decode, and its cost grows slowly with the length of the context it has to look back on.
The time until the first token arrives tells a user how long they wait before anything happens. The time
between tokens tells them how fast the answer seems to type itself. Engineers who run such servers want both
curves, drawn against the length of the prompt, because they decide how many users a machine can serve and
how long a prompt may be before the wait becomes too long. A careful measurement sends prompts of exactly the
length it claims, makes each one different so that a cache of earlier prompts cannot flatter the result,
stamps every response the moment it arrives, and keeps every request it sent, including the ones that failed.
When many streams share one server, each decode step serves all of them together, and the time between tokens
rises with the number of active streams. When a prompt is very long, attention over every pair of tokens starts
to show, and the first token comes later than a straight line would say. A good report names these effects with
numbers, shows the points they came from, and says plainly what it could not measure.
`
  .split(/\s+/)
  .filter(Boolean);
