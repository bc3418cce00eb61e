/**
 * What palens says when a second interrupt ends the process at once (cli/bin.ts): the command
 * running knows whether its files were open by then, so it sets the sentence. Kept free of imports:
 * bin.ts loads it before anything else, so that an interrupt during start-up is answered too.
 */
let message = (): string => 'palens: exited at once (a second interrupt)';

/** The command running sets what a second interrupt should report (one line, no newline). */
export function onExitAtOnce(say: () => string): void {
  message = say;
}

export function exitAtOnceMessage(): string {
  return `${message()}\n`;
}
