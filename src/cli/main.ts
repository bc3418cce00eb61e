/**
 * The palens command line: parse, dispatch, map errors to exit codes. Commands live in their
 * own modules; this is the only place that turns an error into an exit status.
 */
import yargs, { type Argv } from 'yargs';
import { EXIT, PalensError, UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { analyzeOptions, captureOptions, compareOptions, generationOptions, mergeOptions, mockOptions, prefillOptions, validateOptions } from './options.js';
import type { CliIo } from './io.js';
import { isChecked } from './output.js';
import { printable } from '../printable.js';

export type { CliIo } from './io.js';

function parser(args: readonly string[]): Argv {
  const instance: Argv = yargs([...args]);
  return instance
    .scriptName('palens')
    .usage('$0 <command> [options]\n\nHow an LLM server\'s latency depends on prompt length, from perf_analyzer profile exports.')
    .command('analyze <files..>', 'TTFT, token-to-token and inter-token latency distributions per experiment', analyzeOptions)
    .command('validate <files..>', 'check profile exports against the schema, listing every problem', validateOptions)
    .command('compare <files..>', 'B against A: differences with bootstrap intervals, and a regression gate', compareOptions)
    .command('capture', 'capture a perf_analyzer-format export from a Triton server (gRPC streaming) or an OpenAI-compatible one (SSE)', captureOptions)
    .command('prefill', 'TTFT at each prompt length: one capture per length with max_tokens 1, then the sweep', prefillOptions)
    .command('generation', 'token-to-token latency at each prompt length: one capture per length, then the sweep', generationOptions)
    .command('mock', 'a mock server (Triton gRPC, or OpenAI with --api openai) with a known latency law', mockOptions)
    .command('merge <files..>', 'the exports (and sidecars) of the shards of one capture as one export', mergeOptions)
    .option('color', { type: 'boolean', describe: 'colour the output (default: when stdout is a terminal and NO_COLOR is unset)' })
    .option('debug', { type: 'boolean', hidden: true })
    // After each command's options are known: a boolean given a value other than true or false.
    .middleware(() => {
      const options = (instance as unknown as { getOptions(): { boolean: string[]; array: string[]; count: string[]; key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
      const bad = [...notBooleans(args, options.boolean), ...givenTwice(args, options)];
      if (bad.length > 0) throw new UsageError(bad.join('; '));
    })
    .demandCommand(1, 'name a command: analyze, validate, compare, capture, prefill, generation, mock or merge')
    .epilog('Exit codes: 0 success, 1 invalid input or a failed check, 2 usage or I/O error, 130 interrupted (docs/ERRORS.md).')
    .recommendCommands()
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? yargsUsage(msg);
    });
}

/**
 * yargs's own messages, in palens's form: one line (its "Invalid values:" message spans lines,
 * which a terminal would show as a literal \n once made printable), naming the flag as typed.
 */
export function yargsUsage(msg: string): UsageError {
  const invalid = [...msg.matchAll(/Argument: ([^,]+), Given: (.*?), Choices: (.*)$/gm)];
  if (msg.startsWith('Invalid values:') && invalid.length > 0) {
    return new UsageError(invalid.map((m) => `--${m[1]}: expected one of ${m[3]!.trim()}, got ${m[2]}`).join('; '));
  }
  const missing = /^Missing required arguments?: (.*)$/.exec(msg);
  if (missing !== null) {
    const names = missing[1]!.split(',').map((n) => n.trim());
    const flags = names.map((n) => (n === 'profile-export-file' ? '-f / --profile-export-file FILE (where the export is written)' : `--${n}`));
    return new UsageError(`missing ${flags.join(', ')}`);
  }
  return new UsageError(msg.replace(/\s*\n\s*/g, '; '));
}

interface Parsed {
  argv: Record<string, unknown> | null;
  output: string;
}

/** `--flag=maybe`: yargs reads any value it does not know as false. */
function notBooleans(args: readonly string[], booleans: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    const m = /^--(?:no-)?([^=]+)=(.*)$/s.exec(a);
    if (m !== null && booleans.includes(m[1]!) && !/^(true|false)$/i.test(m[2]!)) out.push(`--${m[1]}: expected true or false, got ${JSON.stringify(m[2])}`);
  }
  return out;
}

/**
 * A single-value option given more than once: yargs keeps a list, or adds numbers up (`--concurrency
 * 2 --concurrency 1` ran 3 streams), or a command read `undefined` (`--endpoint chat --endpoint
 * completions` sent POST /undefined); never a silent pick. Counted from the words typed, aliases included.
 */
function givenTwice(args: readonly string[], options: { array: string[]; count?: string[]; key: Record<string, unknown>; alias: Record<string, string[]> }): string[] {
  // Each name typed → the option's long name (the longest of its names: yargs lists aliases both ways).
  const canonical = new Map<string, string>();
  for (const key of Object.keys(options.key)) {
    const names = [key, ...(options.alias[key] ?? [])];
    const long = names.reduce((a, b) => (b.length > a.length ? b : a));
    for (const n of names) if ((canonical.get(n) ?? '').length < long.length) canonical.set(n, long);
  }
  const seen = new Map<string, number>();
  for (const a of args) {
    if (a === '--') break;
    const m = /^--(?!no-)([^=]+)|^-([A-Za-z])$/.exec(a);
    const name = m === null ? undefined : canonical.get((m[1] ?? m[2])!);
    if (name !== undefined) seen.set(name, (seen.get(name) ?? 0) + 1);
  }
  const out: string[] = [];
  for (const [name, n] of seen) {
    if (n > 1 && !options.array.includes(name) && !(options.count ?? []).includes(name)) out.push(`--${name}: given ${n} times; give it once`);
  }
  return out;
}

/**
 * yargs turns a number option's "abc" into NaN, "1e309" into Infinity and an empty value into 0, and carries on; every
 * such option is named here with what was typed, so that no command sees NaN or an invented 0.
 */
function notNumbers(args: readonly string[], argv: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(argv)) {
    // Long names only: yargs also sets each option's camelCase and one-letter aliases.
    if (typeof value !== 'number' || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(key) || key.length === 1) continue;
    const i = args.findIndex((a) => a === `--${key}` || a.startsWith(`--${key}=`));
    const typed = i < 0 ? undefined : args[i]!.includes('=') ? args[i]!.slice(args[i]!.indexOf('=') + 1) : args[i + 1];
    // yargs also reads an empty or blank value ('--seed=', `--seed ''`) as 0.
    if (Number.isFinite(value) && !(typed !== undefined && typed.trim() === '')) continue;
    // 1e309 is Infinity: an unbounded gate (--fail-if-slower), seed or bound would pass anything.
    const what = Number.isNaN(value) || typed === undefined || typed.trim() === '' ? 'a number' : 'a finite number';
    out.push(`--${key}: expected ${what}, got ${typed === undefined ? 'nothing' : JSON.stringify(typed)}`);
  }
  return out;
}

async function parse(args: readonly string[]): Promise<Parsed> {
  return new Promise((resolve, reject) => {
    try {
      parser(args).parse([...args], {}, (err: Error | undefined, argv: Record<string, unknown>, output: string) => {
        if (err) reject(err instanceof PalensError ? err : new UsageError(err.message));
        else if (output && (argv.help || argv.version)) resolve({ argv: null, output });
        else {
          const bad = notNumbers(args, argv);
          if (bad.length > 0) reject(new UsageError(bad.join('; ')));
          else resolve({ argv, output });
        }
      });
    } catch (e) {
      reject(e instanceof PalensError ? e : new UsageError((e as Error).message));
    }
  });
}

/** Runs palens with the given arguments; returns the exit status. */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const debug = args.includes('--debug');
  const command = COMMANDS.find((c) => c === args[0]) ?? null;
  let code: number;
  try {
    code = await dispatch(args, io);
  } catch (e) {
    code = report(e, io, debug, command);
  }
  // A result is only delivered once standard output has taken all of it.
  if (!isChecked(io.stdout)) return code;
  try {
    // A reader that went away (`palens analyze x | head -1`) wanted no more: quiet, as Unix tools are.
    await io.stdout.flush();
    return code;
  } catch (e) {
    return report(e, io, debug, command);
  }
}

async function dispatch(args: readonly string[], io: CliIo): Promise<number> {
  const { argv, output } = await parse(args);
  if (argv === null) {
    io.stdout.write(output + '\n');
    return EXIT.ok;
  }
  const command = String((argv._ as unknown[])[0]);
  // Each command's code is loaded when it runs, not at start-up.
  if (command === 'analyze') return (await import('./analyze.js')).analyzeCommand(argv, io);
  if (command === 'validate') return (await import('./validate.js')).validateCommand(argv, io);
  if (command === 'compare') return (await import('./compare.js')).compareCommand(argv, io);
  // A capture's code and the server's checks take seconds on a busy machine: say what is happening first.
  if (command === 'capture' || command === 'prefill' || command === 'generation') io.stderr.write(`palens: ${command}: ${startLine(argv)}\n`);
  if (command === 'capture') return (await import('./capture.js')).captureCommand(argv, io);
  if (command === 'prefill' || command === 'generation') return (await import('./capture.js')).scenarioCommand(command, argv, io);
  if (command === 'merge') return (await import('./merge.js')).mergeCommand(argv, io);
  if (command === 'mock') return (await import('./capture.js')).mockCommand(argv, io);
  throw new UsageError(`unknown command ${command}`);
}

/** The first line a capture prints: where it will connect (the embedded mock, -u, or the default). */
function startLine(argv: Record<string, unknown>): string {
  const where = argv.mock ? 'the embedded mock (--mock)' : argv.url !== undefined ? printable(String(argv.url)) : argv.api === 'openai' ? 'http://127.0.0.1:8000 (the default)' : '127.0.0.1:8001 (the default)';
  return `starting; connecting to ${where}…`;
}

const COMMANDS = ['analyze', 'validate', 'compare', 'capture', 'prefill', 'generation', 'mock', 'merge'] as const;

function report(e: unknown, io: CliIo, debug: boolean, command: string | null): number {
  if (e instanceof PalensError) {
    const kind = e.code === 'PALENS_SERVER' ? 'server' : e.exitCode === EXIT.invalid ? 'invalid input' : e.code === 'PALENS_USAGE' ? 'usage' : 'error';
    io.stderr.write(`palens: ${kind}: ${e.describe()}\n`);
    if (e.hint) io.stderr.write(`  hint: ${printable(e.hint)}\n`);
    if (e.code === 'PALENS_USAGE') io.stderr.write(`  see: palens ${command === null ? '' : `${command} `}--help · exit codes: docs/ERRORS.md\n`);
    if (debug && e.stack) io.stderr.write(e.stack + '\n');
    return e.exitCode;
  }
  const err = e as Error;
  io.stderr.write(`palens: internal error: ${printable(String(err?.message ?? e))}\n`);
  io.stderr.write(debug && err?.stack ? err.stack + '\n' : '  (run with --debug for a stack trace; this is a bug in palens)\n');
  return EXIT.usage;
}
