/**
 * Prompts of an exact length: N words, or N tokens by a local tokenizer (checked by encoding the
 * result again), drawn from the corpus at a seeded place, each made unique by a salt at its start
 * so that a prefix cache cannot serve one request from another's work.
 */
import { seeded } from '../records/random.js';
import type { TokenCounter } from './tokenizer.js';
import { CORPUS } from './corpus.js';

export interface PromptSpec {
  unit: 'words' | 'tokens';
  length: number;
  seed: number;
  salt: boolean;
}

export interface BuiltPrompt {
  text: string;
  words: number;
  /** Token count by the tokenizer, or null without one. */
  tokens: number | null;
}

export class PromptBuilder {
  private readonly random: () => number;
  private serial = 0;

  constructor(
    private readonly spec: PromptSpec,
    private readonly tokenizer: TokenCounter | null,
  ) {
    if (spec.unit === 'tokens' && tokenizer === null) throw new Error('PromptBuilder: tokens need a tokenizer');
    if (!(Number.isInteger(spec.length) && spec.length >= 1)) throw new Error(`PromptBuilder: length must be a positive integer, got ${spec.length}`);
    this.random = seeded(spec.seed);
  }

  private words(count: number): string[] {
    const out: string[] = [];
    const start = Math.floor(this.random() * CORPUS.length);
    if (this.spec.salt) out.push(`r${(this.serial++).toString(36)}x${Math.floor(this.random() * 36 ** 4).toString(36)}`);
    for (let i = 0; out.length < count; i++) out.push(CORPUS[(start + i) % CORPUS.length]!);
    return out.slice(0, count);
  }

  next(): BuiltPrompt {
    const n = this.spec.length;
    if (this.spec.unit === 'words') {
      const text = this.words(n).join(' ');
      return { text, words: n, tokens: this.tokenizer?.count(text) ?? null };
    }
    const tok = this.tokenizer!;
    // Enough words for n tokens, then cut the token ids to n and decode; re-encoding must give n.
    let words = Math.max(1, Math.ceil(n * 0.8));
    let text = this.words(words).join(' ');
    while (tok.count(text) < n) {
      words = Math.ceil(words * 1.25) + 1;
      text = this.words(words).join(' ');
    }
    const ids = tok.encode(text);
    for (let cut = n; cut >= Math.max(1, n - 16); cut--) {
      let candidate = tok.decode(ids.slice(0, cut));
      // Pad with single characters until the count is exact.
      for (let pad = 0; pad < 64 && tok.count(candidate) < n; pad++) candidate += pad % 2 === 0 ? ' a' : '.';
      if (tok.count(candidate) === n) return { text: candidate, words: candidate.split(/\s+/).filter(Boolean).length, tokens: n };
    }
    throw new Error(`cannot build a prompt of exactly ${n} tokens with this tokenizer`);
  }
}
