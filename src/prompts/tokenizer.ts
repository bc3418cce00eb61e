/**
 * Token counts from a local Hugging Face tokenizer.json, read by @huggingface/tokenizers. Never
 * downloads: the path names a tokenizer.json, or a folder holding one (and, optionally, its
 * tokenizer_config.json).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { IoError, UsageError } from '../errors.js';

export interface TokenCounter {
  /** Where the tokenizer came from. */
  readonly path: string;
  /** Tokens in `text`, without special tokens (a prompt's own length). */
  count(text: string): number;
  /** Token ids of `text`, without special tokens. */
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

export async function loadTokenizer(path: string): Promise<TokenCounter> {
  let file = path;
  let configFile: string | null = null;
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      file = join(path, 'tokenizer.json');
      configFile = join(path, 'tokenizer_config.json');
    } else if (basename(path) === 'tokenizer.json') {
      configFile = join(path, '..', 'tokenizer_config.json');
    }
  } catch {
    throw new IoError('no such file or folder (--tokenizer takes a local tokenizer.json or a folder holding one)', path);
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') throw new IoError('no tokenizer.json here (--tokenizer takes a local tokenizer.json or a folder holding one)', file);
    throw new UsageError(`--tokenizer ${file}: not a readable tokenizer.json (${(e as Error).message})`);
  }
  let config: Record<string, unknown> = {};
  if (configFile !== null) {
    try {
      config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    } catch {
      config = {};
    }
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, config);
  } catch (e) {
    throw new UsageError(`--tokenizer ${file}: not a tokenizer this library can load (${(e as Error).message})`);
  }
  const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false }).ids;
  return {
    path: file,
    encode,
    count: (text) => encode(text).length,
    decode: (ids) => tokenizer.decode([...ids], { skip_special_tokens: true }),
  };
}
