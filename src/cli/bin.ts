#!/usr/bin/env node
import { exitAtOnceMessage } from './interrupt.js';

// SIGINT/SIGTERM/SIGHUP ask a capture to stop and write what it has; a second one ends the process
// (a capture closes its files on the way out: driver/capture.ts) and says what it left. Installed
// before the rest of palens is loaded (seconds on a busy machine), so an interrupt during start-up
// is never Node's silent default.
const controller = new AbortController();
const stop = (): void => {
  if (controller.signal.aborted) {
    process.stderr.write(exitAtOnceMessage());
    process.exit(130);
  }
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);

// Node's own warnings (ExperimentalWarning, deprecations of dependencies) are not the user's
// business: replace Node's printer with one that speaks only under --debug.
process.removeAllListeners('warning');
if (process.argv.includes('--debug')) process.on('warning', (w) => process.stderr.write(`palens: debug: node warning: ${w.name}: ${w.message}\n`));

// Nothing can be reported about stderr itself; its errors must not end the process uncaught.
process.stderr.on('error', () => undefined);

const { run } = await import('./main.js');
const { checkedStream } = await import('./output.js');
const code = await run(process.argv.slice(2), {
  stdout: checkedStream(process.stdout, 'standard output'),
  stderr: process.stderr,
  env: process.env,
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  ...(process.stdout.isTTY && process.stdout.columns > 0 ? { stdoutColumns: process.stdout.columns } : {}),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  signal: controller.signal,
});
process.exitCode = code;
// Nothing else should keep the process alive once a command has returned.
process.off('SIGINT', stop);
process.off('SIGTERM', stop);
process.off('SIGHUP', stop);
