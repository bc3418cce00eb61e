/**
 * What a response output or a request input says, for the few facts palens needs: whether a
 * response carried any output (empty finals are dropped), and the prompt text (for its length).
 */

/** Output names that hold generated text in Triton exports (vLLM, vLLM legacy, TRT-LLM, old ensembles). */
export const TEXT_OUTPUT_KEYS: readonly string[] = ['text_output', 'TEXT', 'OUTPUT_0', 'output'];

/** Input names that hold the prompt in Triton exports. */
export const PROMPT_INPUT_KEYS: readonly string[] = ['text_input', 'PROMPT', 'INPUT_0'];

/**
 * True when an OpenAI-style response chunk (the raw SSE text perf_analyzer records under
 * "response") carries no generated text: only `data: [DONE]`, role-only or usage-only chunks,
 * or empty deltas. A data line that is not complete JSON counts as output, since it is part of
 * an event that was split across reads.
 */
export function sseChunkIsEmpty(raw: string): boolean {
  for (const line of raw.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') continue;
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return false;
    }
    if (sseEventText(event) !== '') return false;
  }
  return true;
}

/** The generated text of one parsed OpenAI stream event: every choice's `text`, `delta.content` and `delta.reasoning_content`. */
export function sseEventText(event: unknown): string {
  if (typeof event !== 'object' || event === null) return '';
  const choices = (event as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return '';
  let text = '';
  for (const c of choices) {
    if (typeof c !== 'object' || c === null) continue;
    const choice = c as { text?: unknown; delta?: { content?: unknown; reasoning_content?: unknown } };
    if (typeof choice.text === 'string') text += choice.text;
    const delta = choice.delta;
    if (typeof delta === 'object' && delta !== null) {
      if (typeof delta.content === 'string') text += delta.content;
      if (typeof delta.reasoning_content === 'string') text += delta.reasoning_content;
    }
  }
  return text;
}

/**
 * The prompt text of an OpenAI request payload (perf_analyzer's `payload` input, a JSON string):
 * `prompt` (a string or list of strings) or the text of every message's content. Null when the
 * payload holds neither.
 */
export function promptFromPayload(payload: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return null;
  }
  if (Array.isArray(body)) body = body[0];
  if (typeof body !== 'object' || body === null) return null;
  const { prompt, messages } = body as { prompt?: unknown; messages?: unknown };
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.every((p) => typeof p === 'string')) return prompt.join('\n');
  if (Array.isArray(messages)) {
    const parts: string[] = [];
    for (const m of messages) {
      const content = (m as { content?: unknown } | null)?.content;
      if (typeof content === 'string') parts.push(content);
      else if (Array.isArray(content)) {
        for (const part of content) {
          const text = (part as { text?: unknown } | null)?.text;
          if (typeof text === 'string') parts.push(text);
        }
      }
    }
    return parts.join('\n');
  }
  return null;
}

/** Whitespace-separated words. */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(text[i] ?? ''));
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return words;
}

/** Unicode code points (a surrogate pair counts once). */
export function countChars(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || (text.charCodeAt(i - 1) & 0xfc00) !== 0xd800) n++;
  }
  return n;
}

/**
 * Whether one response's outputs (output name → text, as an export writes them) carry nothing: no
 * outputs at all, or every text output (TEXT_OUTPUT_KEYS, or OpenAI's raw SSE `response`) empty,
 * or — without a text output — every value empty. The rule the export parser applies to a
 * response_outputs object, so a capture's live records and the parser's reading of its export agree.
 */
export function outputsAreEmpty(outputs: Readonly<Record<string, string>>): boolean {
  let sawText = false;
  let textNonEmpty = false;
  let otherNonEmpty = false;
  for (const key in outputs) {
    const v = outputs[key]!;
    if (key === 'response') {
      sawText = true;
      if (v !== '' && !sseChunkIsEmpty(v)) textNonEmpty = true;
    } else if (TEXT_OUTPUT_KEYS.includes(key)) {
      sawText = true;
      if (v !== '') textNonEmpty = true;
    } else if (v !== '') otherNonEmpty = true;
  }
  return sawText ? !textNonEmpty : !otherNonEmpty;
}

/** The prompt in a request's inputs, as the export parser finds it (the last prompt input wins). */
export function promptOfInputs(inputs: Readonly<Record<string, unknown>>): string | null {
  let prompt: string | null = null;
  for (const key in inputs) {
    const v = inputs[key];
    if (typeof v !== 'string') continue;
    if (key === 'payload') prompt = promptFromPayload(v);
    else if (PROMPT_INPUT_KEYS.includes(key)) prompt = v;
  }
  return prompt;
}
