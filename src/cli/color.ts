import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Whether to colour output, decided once: an explicit --color/--no-color wins, then NO_COLOR
 * (any non-empty value), then FORCE_COLOR, then a terminal that is not TERM=dumb.
 * The global `chalk` is never used: it ignores NO_COLOR.
 */
export function colorLevel(flag: boolean | undefined, env: Readonly<Record<string, string | undefined>>, isTTY: boolean): 0 | 1 {
  if (flag !== undefined) return flag ? 1 : 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false' ? 0 : 1;
  return isTTY && env.TERM !== 'dumb' ? 1 : 0;
}

export function makeChalk(level: 0 | 1): ChalkInstance {
  return new Chalk({ level });
}
