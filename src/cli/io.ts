/** What a command may touch of the outside world; injected so most CLI tests run in-process. */
export interface Output {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colour). */
  stdoutIsTTY: boolean;
  /** The terminal's width when stdout is one (tables split their columns to fit), else undefined. */
  stdoutColumns?: number;
  /** Whether stderr is a terminal (progress bars). */
  stderrIsTTY: boolean;
  /** Milliseconds for throttling progress (Date.now when absent); injected by tests. */
  now?: () => number;
  /** Aborted on SIGINT/SIGTERM: captures stop sending and write what they have. */
  signal?: AbortSignal;
}
