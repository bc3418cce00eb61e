import { describe, expect, test } from '@jest/globals';
import { checkPromptTokens, PromptTokenTally, promptTokensWarning } from '../../src/records/prompt-token-check.js';

describe("the server's prompt count against palens's", () => {
  test('per request: the difference, and whether it is one; nothing when either count is unknown', () => {
    expect(checkPromptTokens(64, 64)).toEqual({ prompt_tokens_difference: 0, prompt_tokens_mismatch: false });
    expect(checkPromptTokens(64, 71)).toEqual({ prompt_tokens_difference: 7, prompt_tokens_mismatch: true });
    expect(checkPromptTokens(64, 60)).toEqual({ prompt_tokens_difference: -4, prompt_tokens_mismatch: true });
    // Lengths in words (no tokenizer), or a server without usage.
    expect(checkPromptTokens(-1, 64)).toEqual({ prompt_tokens_difference: null, prompt_tokens_mismatch: null });
    expect(checkPromptTokens(64, -1)).toEqual({ prompt_tokens_difference: null, prompt_tokens_mismatch: null });
  });

  test('tally: null without token reports, compared only where both counts are known', () => {
    const none = new PromptTokenTally();
    none.add(undefined);
    expect(none.result()).toBeNull();
    const t = new PromptTokenTally();
    for (const d of [0, 7, null, -2, 0]) t.add({ prompt_tokens_difference: d });
    expect(t.result()).toEqual({ compared: 4, differing: 2, min_difference: -2, max_difference: 7 });
    const words = new PromptTokenTally();
    words.add({ prompt_tokens_difference: null });
    expect(words.result()).toEqual({ compared: 0, differing: 0, min_difference: null, max_difference: null });
  });

  test('warning: none when all agree; a constant excess on chat named as the template', () => {
    expect(promptTokensWarning('a.json', { compared: 3, differing: 0, min_difference: 0, max_difference: 0 }, 'v1/chat/completions')).toBeNull();
    expect(promptTokensWarning('a.json', null, 'v1/chat/completions')).toBeNull();
    const chat = promptTokensWarning('a.json', { compared: 3, differing: 3, min_difference: 7, max_difference: 7 }, 'v1/chat/completions')!;
    expect(chat).toContain('on 3 of 3 requests (by +7 tokens)');
    expect(chat).toContain('chat template');
    const completions = promptTokensWarning('a.json', { compared: 3, differing: 2, min_difference: -1, max_difference: 2 }, 'v1/completions')!;
    expect(completions).toContain('on 2 of 3 requests (by -1 to +2 tokens)');
    expect(completions).not.toContain('chat template');
  });
});
