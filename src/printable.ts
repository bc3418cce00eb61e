/**
 * Text from input files (file names, keys, strings quoted in a message) printed to a terminal
 * must not drive it: an ESC sequence could recolour, move the cursor or retitle the window, a
 * newline or carriage return could forge a line of palens's own output, a bidi override could reorder
 * what is read. Every renderer of a message passes such text through `printable`, which writes each
 * of those characters as a visible escape (\n, \r, \t, \u001b, …) and leaves all other text as it is.
 */

// C0 controls, DEL, C1 controls, and Unicode's bidirectional embedding, override and isolate marks.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => NAMED[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
