#!/usr/bin/env node
import { run } from './main.js';

// SIGINT/SIGTERM ask a capture to stop and write what it has; a second one ends the process.
const controller = new AbortController();
const stop = (): void => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  signal: controller.signal,
});
process.exitCode = code;
// Nothing else should keep the process alive once a command has returned.
process.off('SIGINT', stop);
process.off('SIGTERM', stop);
