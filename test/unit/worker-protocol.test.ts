/** Errors thrown in a worker arrive in the main thread as the same PalensError: class, code, file, pointer. */
import { describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, IoError, PalensError, ServerError, UsageError } from '../../src/errors.js';
import { sweepInPool } from '../../src/pipeline/pool.js';
import type { TailDone } from '../../src/pipeline/split.js';
import type { TailJob } from '../../src/pipeline/split-worker.js';
import type { SweepJobOptions } from '../../src/pipeline/sweep-job.js';
import { fromWire, toWire, WorkerClient } from '../../src/pipeline/worker-protocol.js';
import { withTempDir } from '../helpers/cli.js';

const metrics = { keepEmptyResponses: false, percentiles: [50] };
const sweepOptions: SweepJobOptions = { by: 'words', bucket: null, tokenizer: null, metrics };

/** Sends an error through the structured clone a worker message goes through. */
const roundTrip = (e: unknown): Error => fromWire(structuredClone(toWire(e)));

describe('error serializer', () => {
  test.each([
    new InputError('PALENS_INPUT_SCHEMA', 'expected an integer', { file: 'a.json', pointer: '/experiments/0/requests/3/timestamp', byteOffset: 912 }, 'a hint'),
    new IoError('no such file', 'missing.json'),
    new UsageError('--sweep: no files', 'pass files'),
    new ServerError('unreachable', '127.0.0.1:8001', undefined, 'start it'),
  ])('%s keeps its class and fields', (e) => {
    const back = roundTrip(e) as PalensError;
    expect(back).toBeInstanceOf(e.constructor as typeof PalensError);
    expect({ code: back.code, exit: back.exitCode, message: back.message, file: back.file, pointer: back.pointer, byteOffset: back.byteOffset, hint: back.hint }).toEqual({
      code: e.code,
      exit: e.exitCode,
      message: e.message,
      file: e.file,
      pointer: e.pointer,
      byteOffset: e.byteOffset,
      hint: e.hint,
    });
  });

  test('the problems a validating scan collected travel with its InputError', () => {
    const e = new InputError('PALENS_INPUT_SYNTAX', 'bad', { file: 'x' });
    e.earlier = { problems: [{ pointer: '/a' }], count: 1 };
    expect((roundTrip(e) as InputError).earlier).toEqual(e.earlier);
  });

  test('anything else stays an internal error, with the worker\'s stack', () => {
    const e = new TypeError('x is undefined');
    const back = roundTrip(e);
    expect(back).not.toBeInstanceOf(PalensError);
    expect(back.message).toContain('x is undefined');
    expect(back.stack).toBe(e.stack);
  });
});

describe('errors thrown in workers', () => {
  test('the split worker: a file it cannot read arrives as an IoError', async () => {
    const worker = new WorkerClient<TailJob, TailDone>(new URL('../../src/pipeline/split-worker.js', import.meta.url));
    try {
      const job: TailJob = { file: '/nonexistent/palens/x.json', from: 10, size: 100, chunkBytes: 1 << 16, metrics };
      await expect(worker.run(job)).rejects.toMatchObject({ name: 'IoError', code: 'PALENS_IO', file: '/nonexistent/palens/x.json' });
      await expect(worker.run(job)).rejects.toBeInstanceOf(IoError);
    } finally {
      await worker.terminate();
    }
  });

  test('the sweep pool: an I/O error and an input error keep their codes, the first file\'s error wins', async () => {
    await withTempDir(async (dir) => {
      const bad = join(dir, 'bad.json');
      await writeFile(bad, '{"experiments": 3}');
      const missing = join(dir, 'missing.json');
      const run = (files: string[]): Promise<void> => sweepInPool(files, sweepOptions, 2, () => undefined, () => undefined);
      await expect(run([missing, bad])).rejects.toMatchObject({ name: 'IoError', code: 'PALENS_IO', file: missing });
      await expect(run([bad, missing])).rejects.toMatchObject({ name: 'InputError', code: 'PALENS_INPUT_SCHEMA', file: bad, pointer: '/experiments' });
    });
  });
});
