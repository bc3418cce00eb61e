import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli.js';
import { fixture } from '../helpers/paths.js';
import { expectSchema } from '../helpers/schemas.js';
import { readSidecarLines } from '../helpers/sidecar.js';
import { DEFAULT_LAW } from '../../src/mock/latency.js';
import { startOpenAIMock } from '../../src/mock/openai/server.js';
import { loadTokenizer } from '../../src/prompts/tokenizer.js';

const python = spawnSync('python3', ['--version']).status === 0;

interface TruthLine {
  id: string;
  index: number;
  tokens: number;
  text: string;
  complete_ns: string;
}

/** The content text of an export response's raw SSE text (chat deltas or completion text). */
function contentOf(raw: string): string {
  let text = '';
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]' || data === '') continue;
    const e = JSON.parse(data) as { choices?: { text?: string; delta?: { content?: string } }[] };
    for (const c of e.choices ?? []) text += c.text ?? c.delta?.content ?? '';
  }
  return text;
}

// An OpenAI-compatible server written apart from palens, in Python, with adversarial but legal
// framing (test/fixtures/openai-adversarial/server.py): palens must see every token exactly once.
(python ? describe : describe.skip)('palens capture --api openai against an independent server with adversarial SSE framing', () => {
  let dir: string;
  let server: ChildProcess;
  let url: string;
  let truthFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palens-openai-'));
    const portFile = join(dir, 'port');
    truthFile = join(dir, 'truth.jsonl');
    server = spawn('python3', [fixture('openai-adversarial', 'server.py'), portFile, truthFile, '--gap-ms', '2'], { stdio: 'inherit' });
    for (let i = 0; i < 200 && !existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 50));
    url = `http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
  });
  afterAll(async () => {
    server.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  test.each([['chat'], ['completions']])('--endpoint %s: every request ok, every token once, analyze reads it', async (endpoint) => {
    const out = join(dir, `${endpoint}.json`);
    // Request ids start again in every capture: only this run's truth lines count.
    const before = existsSync(truthFile) ? readFileSync(truthFile, 'utf8').split('\n').filter(Boolean).length : 0;
    const res = await spawnCli(['capture', '--api', 'openai', '-u', url, '-m', 'adversarial-model', '--endpoint', endpoint, '--max-tokens', '40', '--concurrency', '4', '--request-count', '24', '--prompt-words', '60', '-f', out]);
    expect(res.stderr).toContain('24 requests, 24 ok');
    expect(res.code).toBe(0);

    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.service_kind).toBe('openai');
    expect(doc.endpoint).toBe(endpoint === 'chat' ? 'v1/chat/completions' : 'v1/completions');
    const requests = doc.experiments[0].requests as { request_inputs: { payload: string }; response_outputs: { response: string }[]; response_timestamps: number[] }[];
    expect(requests).toHaveLength(24);

    const sidecar = readSidecarLines(out);
    for (const l of sidecar.lines) expectSchema('sidecar', l);
    expectSchema('profile-export', doc);
    const truth = readFileSync(truthFile, 'utf8')
      .trim()
      .split('\n')
      .slice(before)
      .map((l) => JSON.parse(l) as TruthLine);
    const measured = sidecar.experiments[0]!.requests;
    expect(measured).toHaveLength(24);
    for (const [i, r] of requests.entries()) {
      const line = measured[i];
      expect(line.status).toBe('ok');
      const mine = truth.filter((t) => t.id === line.id).sort((a, b) => a.index - b.index);
      // Every token once: the text palens kept is the server's text, and the tokens it attributed per
      // response are the server's tokens per event, in order, summing to usage.completion_tokens.
      expect(r.response_outputs.map((o) => contentOf(o.response)).join('')).toBe(mine.map((t) => t.text).join(''));
      expect(line.tokens.source).toBe('usage');
      expect(line.tokens.per_response.filter((n: number) => n > 0)).toEqual(mine.map((t) => t.tokens));
      expect(line.tokens.output).toBe(40);
      expect(line.tokens.usage_completion_tokens).toBe(40);
      expect(line.tokens.usage_prompt_tokens).toBeGreaterThanOrEqual(60);
      expect(line.tokens.per_response).toHaveLength(r.response_outputs.length);
      expect(JSON.parse(r.request_inputs.payload)).toMatchObject({ model: 'adversarial-model', stream: true, max_tokens: 40, stream_options: { include_usage: true } });
    }
    // Some events did come split across reads (the framing reached palens as meant).
    expect(measured.some((l: { tokens: { split_events: number } }) => l.tokens.split_events > 0)).toBe(true);

    const analyzed = await spawnCli(['analyze', out, '-f', 'json']);
    expect(analyzed.code).toBe(0);
    const a = JSON.parse(analyzed.stdout);
    expect(a.experiments[0].requests).toMatchObject({ total: 24 });
  });
});

describe('palens capture --mock --api openai', () => {
  test('round trip: export and sidecar valid, usage per request, tokens per response from continuous usage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'palens-openai-mock-'));
    try {
      const out = join(dir, 'x.json');
      const res = await spawnCli(['capture', '--mock', '--api', 'openai', '--usage', 'continuous', '--tokens-per-chunk', '1-3', '--max-tokens', '12', '--concurrency', '2', '--request-count', '6', '--prompt-words', '20', '--header', 'X-Api-Key: $SECRET', '-f', out], { SECRET: 'top-secret-value' });
      expect(res.stderr).toContain('6 requests, 6 ok');
      // A header's value goes to the server only.
      for (const text of [res.stdout, res.stderr, readFileSync(out, 'utf8'), readFileSync(`${out}.palens.jsonl`, 'utf8')]) expect(text).not.toContain('top-secret-value');
      const doc = JSON.parse(readFileSync(out, 'utf8'));
      expectSchema('profile-export', doc);
      const sidecar = readSidecarLines(out);
      for (const l of sidecar.lines) expectSchema('sidecar', l);
      expect(sidecar.header.config).toMatchObject({ api: 'openai', endpoint: 'chat', usage: 'continuous', headers: ['X-Api-Key'] });
      for (const l of sidecar.experiments[0]!.requests) {
        expect(l.tokens).toMatchObject({ source: 'usage', output: 12, usage_completion_tokens: 12, usage_prompt_tokens: 20 });
        // The role chunk, the finish chunk, the usage chunk and [DONE] carry no token.
        expect(l.tokens.per_response[0]).toBe(0);
        expect(l.tokens.per_response.slice(-3)).toEqual([0, 0, 0]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('capture prints the analysis palens analyze prints for its export (service_kind openai, role and usage chunks dropped alike)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'palens-openai-live-'));
    try {
      const out = join(dir, 'x.json');
      const cap = await spawnCli(['capture', '--mock', '--api', 'openai', '--tokens-per-chunk', '2', '--max-tokens', '8', '--concurrency', '2', '--request-count', '6', '--prompt-words', '10', '-f', out, '--format', 'json']);
      expect(cap.code).toBe(0);
      const live = JSON.parse(cap.stdout);
      const read = JSON.parse((await spawnCli(['analyze', out, '-f', 'json'])).stdout);
      expect(live.inputs[0]).toMatchObject({ service_kind: 'openai', endpoint: 'v1/chat/completions' });
      // 4 content events of 2 tokens; role, finish, usage and [DONE] are not tokens.
      expect(live.experiments[0].metrics.output_responses.mean).toBe(4);
      // Output tokens per request (8, from the sidecar's token counts) reach the per-token metrics on both sides.
      expect(read.experiments[0].metrics.output_token_throughput_per_request.count).toBe(6);
      expect(live).toEqual(read);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a model the server does not have: an error naming the ones it has', async () => {
    const res = await spawnCli(['capture', '--mock', '--api', 'openai', '-m', 'gpt-nope', '--request-count', '1', '--prompt-words', '5', '-f', join(tmpdir(), 'palens-never.json')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("model 'gpt-nope' is not served here; the server has: palens-mock");
  });

  test('Triton-only options with --api openai are refused, every one at once', async () => {
    const res = await spawnCli(['capture', '--mock', '--api', 'openai', '--request-parameter', 'a:b:string', '--extra-input', 'a:b', '--request-count', '1', '--prompt-words', '5', '-f', join(tmpdir(), 'palens-never.json')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--request-parameter is for');
    expect(res.stderr).toContain('--extra-input is for');
  });
});

describe('a request that times out', () => {
  test('its HTTP stream is closed at the timeout: the server sees the client go away while the capture goes on; status timeout', async () => {
    // Every stream stalls for a minute halfway: only the client's timeout can end a request.
    const mock = await startOpenAIMock({ port: 0, law: { ...DEFAULT_LAW, prefillBaseMs: 1, decodeGapMs: 1, jitterMs: 0 }, faults: { stallMs: 60_000, stallRate: 1 } });
    const dir = await mkdtemp(join(tmpdir(), 'palens-openai-timeout-'));
    try {
      const out = join(dir, 'x.json');
      const res = await spawnCli(['capture', '--api', 'openai', '-u', mock.target, '-m', 'palens-mock', '--max-tokens', '4', '--concurrency', '1', '--request-count', '3', '--timeout', '300', '--prompt-words', '5', '-f', out]);
      expect(res.stderr).toContain('3 requests, 0 ok, 3 timeout');
      const sidecar = readSidecarLines(out);
      const requests = sidecar.experiments[0]!.requests;
      expect(requests.map((r) => r.status)).toEqual(['timeout', 'timeout', 'timeout']);
      // What arrived before the stall is kept: the role chunk and the first content event.
      for (const r of requests) expect(r.tokens.output).toBeGreaterThan(0);
      const ids = [...requests].sort((a, b) => a.send_ns.localeCompare(b.send_ns)).map((r) => r.id as string);
      const closed = (id: string) => mock.truth.find((t) => t.id === id && t.kind === 'closed');
      for (const id of ids) expect(closed(id)).toBeDefined();
      // Closed at its timeout, not when the capture ended: the mock saw the first request's
      // connection close before the third request arrived (one clock, the mock's own log).
      const third = mock.truth.find((t) => t.id === ids[2]);
      expect(closed(ids[0]!)!.emittedNs).toBeLessThan(third!.arrivedNs);
      expect(mock.active()).toBe(0);
    } finally {
      await mock.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the server's prompt_tokens against the length palens meant", () => {
  const law = { ...DEFAULT_LAW, prefillBaseMs: 1, decodeGapMs: 1, jitterMs: 0 };
  const capture = async (dir: string, target: string, name: string, prompt: string[]) => {
    const out = join(dir, `${name}.json`);
    const res = await spawnCli(['capture', '--api', 'openai', '-u', target, '-m', 'palens-mock', '--max-tokens', '3', '--concurrency', '2', '--request-count', '6', '--warmup', '1', ...prompt, '-f', out, '--format', 'json']);
    expect(res.code).toBe(0);
    const sidecar = readSidecarLines(out);
    for (const l of sidecar.lines) expectSchema('sidecar', l);
    const live = JSON.parse(res.stdout);
    const read = JSON.parse((await spawnCli(['analyze', out, '-f', 'json'])).stdout);
    expectSchema('analysis', read);
    // The capture prints what analyze prints for its export, this check included.
    expect(live).toEqual(read);
    const table = (await spawnCli(['analyze', out])).stdout;
    return { res, sidecar, read, table };
  };

  test('exact-length prompts the server counts alike: compared, none flagged', async () => {
    const tok = await loadTokenizer(fixture('tokenizer'));
    const mock = await startOpenAIMock({ port: 0, law, countTokens: (t) => tok.count(t) });
    const dir = await mkdtemp(join(tmpdir(), 'palens-openai-pt-'));
    try {
      const { res, sidecar, read, table } = await capture(dir, mock.target, 'same', ['--prompt-tokens', '24', '--tokenizer', fixture('tokenizer')]);
      for (const r of sidecar.experiments[0]!.requests) expect(r.tokens).toMatchObject({ usage_prompt_tokens: 24, prompt_tokens_difference: 0, prompt_tokens_mismatch: false });
      expect(read.inputs[0].prompt_tokens_check).toEqual({ compared: 6, differing: 0, min_difference: 0, max_difference: 0 });
      expect(res.stderr).not.toContain('counted differently');
      expect(table).not.toContain('prompt tokens:');
    } finally {
      await mock.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a server that counts them otherwise: flagged per request, counted in the summary, warned by analyze', async () => {
    // This server counts words; palens built prompts of 24 tokens by its tokenizer.
    const mock = await startOpenAIMock({ port: 0, law });
    const tok = await loadTokenizer(fixture('tokenizer'));
    const dir = await mkdtemp(join(tmpdir(), 'palens-openai-pt-'));
    try {
      const { res, sidecar, read, table } = await capture(dir, mock.target, 'other', ['--prompt-tokens', '24', '--tokenizer', fixture('tokenizer')]);
      const requests = sidecar.experiments[0]!.requests;
      const differences = requests.map((r) => r.tokens.usage_prompt_tokens - 24);
      expect(differences.some((d) => d !== 0)).toBe(true);
      for (const [i, r] of requests.entries()) {
        expect(r.prompt_tokens).toBe(24);
        // The server's count is the prompt's words, as the mock counts them.
        const sent = JSON.parse(JSON.parse(readFileSync(join(dir, 'other.json'), 'utf8')).experiments[0].requests[i].request_inputs.payload).messages[0].content as string;
        expect(r.tokens.usage_prompt_tokens).toBe(sent.split(/\s+/).filter(Boolean).length);
        expect(tok.count(sent)).toBe(24);
        expect(r.tokens).toMatchObject({ prompt_tokens_difference: differences[i], prompt_tokens_mismatch: differences[i] !== 0 });
      }
      const differing = differences.filter((d) => d !== 0).length;
      const check = { compared: 6, differing, min_difference: Math.min(...differences), max_difference: Math.max(...differences) };
      expect(read.inputs[0].prompt_tokens_check).toEqual(check);
      expect(res.stderr).toContain(`${differing} of 6 prompts counted differently by the server`);
      expect(read.warnings.some((w: string) => w.includes(`usage.prompt_tokens differs from the length palens meant on ${differing} of 6 requests`))).toBe(true);
      expect(table).toContain(`differs from the length palens meant on ${differing} of 6 requests`);
    } finally {
      await mock.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('without --tokenizer the intended length is in words: nothing compared, and the capture says so', async () => {
    const mock = await startOpenAIMock({ port: 0, law });
    const dir = await mkdtemp(join(tmpdir(), 'palens-openai-pt-'));
    try {
      const { res, sidecar, read, table } = await capture(dir, mock.target, 'words', ['--prompt-words', '20']);
      for (const r of sidecar.experiments[0]!.requests) expect(r.tokens).toMatchObject({ usage_prompt_tokens: 20, prompt_tokens_difference: null, prompt_tokens_mismatch: null });
      expect(read.inputs[0].prompt_tokens_check).toEqual({ compared: 0, differing: 0, min_difference: null, max_difference: null });
      expect(res.stderr).toContain("prompt lengths are in words (no --tokenizer): the server's usage.prompt_tokens is kept per request in the sidecar, not compared");
      expect(table).not.toContain('prompt tokens:');
    } finally {
      await mock.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('--input-data with --api openai', () => {
  const law = { ...DEFAULT_LAW, prefillBaseMs: 1, decodeGapMs: 1, jitterMs: 0 };
  const run = async (files: Record<string, unknown>, args: (dir: string) => string[], check: (dir: string, res: Awaited<ReturnType<typeof spawnCli>>, target: string) => void | Promise<void>) => {
    const mock = await startOpenAIMock({ port: 0, law });
    const dir = await mkdtemp(join(tmpdir(), 'palens-openai-input-'));
    try {
      for (const [name, doc] of Object.entries(files)) writeFileSync(join(dir, name), typeof doc === 'string' ? doc : JSON.stringify(doc));
      const res = await spawnCli(['capture', '--api', 'openai', '-u', mock.target, '-m', 'palens-mock', ...args(dir)]);
      await check(dir, res, mock.target);
    } finally {
      await mock.close();
      await rm(dir, { recursive: true, force: true });
    }
  };
  const bodies = (file: string) => (JSON.parse(readFileSync(file, 'utf8')).experiments[0].requests as { request_inputs: { payload: string } }[]).map((r) => JSON.parse(r.request_inputs.payload));

  test("perf_analyzer's payload form: each body sent as given, round robin, streaming with usage; --max-tokens over it", async () => {
    const data = {
      data: [
        { payload: [{ model: 'palens-mock', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'one two three' }], temperature: 0, max_tokens: 5 }] },
        { payload: [{ messages: [{ role: 'user', content: [{ type: 'text', text: 'four five' }] }], stream: true, stream_options: { include_usage: false } }] },
      ],
    };
    await run({ 'in.json': data }, (dir) => ['--input-data', join(dir, 'in.json'), '--max-tokens', '3', '--request-count', '4', '-f', join(dir, 'x.json')], (dir, res) => {
      expect(res.stderr).toContain('4 requests, 4 ok');
      const sent = bodies(join(dir, 'x.json'));
      expect(sent).toHaveLength(4);
      const first = sent.find((b) => b.temperature === 0)!;
      expect(first).toEqual({ model: 'palens-mock', messages: data.data[0]!.payload[0]!.messages, temperature: 0, max_tokens: 3, stream: true, stream_options: { include_usage: true } });
      const second = sent.find((b) => b.temperature === undefined)!;
      expect(second.messages).toEqual(data.data[1]!.payload[0]!.messages);
      expect(second.stream_options).toEqual({ include_usage: true });
      expect(sent.filter((b) => b.temperature === 0)).toHaveLength(2);
      const sidecar = readSidecarLines(join(dir, 'x.json'));
      for (const l of sidecar.lines) expectSchema('sidecar', l);
      expect(sidecar.header.config.input_data).toBe(join(dir, 'in.json'));
      // The mock counts the message text's words: what palens recorded as the prompt's words.
      for (const r of sidecar.experiments[0]!.requests) expect(r.tokens.usage_prompt_tokens).toBe(r.prompt_words);
    });
  });

  test.each([['chat'], ['completions']])("the seed's prompts.json and text_input steps, mapped onto a %s body", async (endpoint) => {
    const seed = { data: [{ PROMPT: ['Hello, my name is'], STREAM: [true] }] };
    const vllm = { data: [[{ text_input: { content: ['The capital of France is'] }, stream: [true], sampling_parameters: ['{"max_tokens": 4, "temperature": 0.5}'], exclude_input_in_output: [true] }]] };
    await run({ 'seed.json': seed, 'vllm.json': vllm }, () => ['--version'], async (dir, _res, target) => {
      for (const [name, prompt, extra] of [
        ['seed.json', 'Hello, my name is', {}],
        ['vllm.json', 'The capital of France is', { max_tokens: 4, temperature: 0.5 }],
      ] as const) {
        const out = join(dir, `${endpoint}-${name}`);
        const res = await spawnCli(['capture', '--api', 'openai', '-u', target, '-m', 'palens-mock', '--endpoint', endpoint, '--input-data', join(dir, name), '--request-count', '2', '-f', out]);
        expect(res.stderr).toContain('2 requests, 2 ok');
        for (const b of bodies(out)) {
          expect(b).toMatchObject({ model: 'palens-mock', stream: true, stream_options: { include_usage: true }, ...extra });
          if (endpoint === 'chat') expect(b.messages).toEqual([{ role: 'user', content: prompt }]);
          else expect(b.prompt).toBe(prompt);
          for (const k of ['PROMPT', 'STREAM', 'text_input', 'sampling_parameters', 'exclude_input_in_output']) expect(b).not.toHaveProperty(k);
        }
      }
    });
  });

  test.each([
    ['not JSON', '{"data": [', '', 'not JSON'],
    ['no data', { steps: [] }, '', 'expected {"data": [step, …]}'],
    ['a payload that is not one object', { data: [{ payload: [{ messages: [] }, {}] }] }, '/data/0/payload', 'one JSON object in an array'],
    ['chat without messages', { data: [{ payload: [{ prompt: 'hi' }] }] }, '/data/0/payload/0/prompt', 'give --endpoint completions'],
    ['a message without content', { data: [{ payload: [{ messages: [{ role: 'user' }] }] }] }, '/data/0/payload/0/messages/0/content', 'expected content as a string'],
    ['stream false', { data: [{ payload: [{ messages: [{ role: 'user', content: 'x' }], stream: false }] }] }, '/data/0/payload/0/stream', 'palens captures stream'],
    ['another model', { data: [{ payload: [{ model: 'gpt-x', messages: [{ role: 'user', content: 'x' }] }] }] }, '/data/0/payload/0/model', 'this capture is of -m palens-mock'],
    ['an unknown input', { data: [[{ text_input: ['x'] }, { text_input: ['y'], top_k: [3] }]] }, '/data/0/1/top_k', '"top_k" is neither'],
    ['sampling parameters that are not an object', { data: [{ text_input: ['x'], sampling_parameters: ['max_tokens=3'] }] }, '/data/0/sampling_parameters', 'to hold a JSON object'],
    ['a prompt that is not a string', { data: [{ PROMPT: [42] }] }, '/data/0/PROMPT/0', 'expected a string'],
  ])('checked before anything is sent: %s', async (_name, doc, pointer, message) => {
    await run({ 'bad.json': doc }, (dir) => ['--input-data', join(dir, 'bad.json'), '--request-count', '1', '-f', join(dir, 'x.json')], (dir, res) => {
      // Not JSON at all is a usage error, as with Triton's input data; content is the file's fault.
      expect(res.code).toBe(pointer === '' && message === 'not JSON' ? 2 : 1);
      expect(res.stderr).toContain(join(dir, 'bad.json'));
      if (pointer !== '') expect(res.stderr).toContain(pointer);
      expect(res.stderr).toContain(message);
      expect(res.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'x.json'))).toBe(false);
    });
  });
});
