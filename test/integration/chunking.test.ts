import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, type OffloadError, TaskError } from '../../src/index.js';
import { double, exitAt, logRun, mixed, whichThread } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();
const scratch = mkdtempSync(join(tmpdir(), 'spillway-chunking-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

interface Outcomes {
  results: Map<number, unknown[]>;
  errors: Map<number, OffloadError[]>;
}

/** Collects every per-input callback, so a result or error delivered twice or to the wrong index shows. */
function collector(): Outcomes & {
  onSuccess: (result: unknown, info: { index: number }) => void;
  onError: (error: OffloadError, info: { index: number }) => void;
} {
  const results = new Map<number, unknown[]>();
  const errors = new Map<number, OffloadError[]>();
  return {
    results,
    errors,
    onSuccess: (result, { index }) => results.set(index, [...(results.get(index) ?? []), result]),
    onError: (error, { index }) => errors.set(index, [...(errors.get(index) ?? []), error]),
  };
}

function expectMixedOutcomes(inputs: number[], outcomes: Outcomes): void {
  for (let index = 0; index < inputs.length; index++) {
    const n = inputs[index];
    if (n % 7 === 0) {
      expect(outcomes.results.has(index), `input ${n} succeeded`).toBe(false);
      const errors = outcomes.errors.get(index) ?? [];
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(TaskError);
      expect(errors[0].message).toBe(`bad ${n}`);
    } else {
      expect(outcomes.errors.has(index), `input ${n} failed`).toBe(false);
      expect(outcomes.results.get(index)).toEqual([n * 2]);
    }
  }
}

describe('chunking', () => {
  it('an explicit chunkSize keeps per-task results in order', async () => {
    const offloader = create();
    const inputs = Array.from({ length: 1000 }, (_, index) => index * 3);
    await expect(offloader.map(double, inputs, { chunkSize: 64 })).resolves.toEqual(inputs.map((n) => n * 2));
  });

  it('an explicit chunkSize really batches: a chunk runs on one thread', async () => {
    const offloader = create({ maxWorkers: 2 });
    const threads = await offloader.map(
      whichThread,
      Array.from({ length: 40 }, () => undefined as never),
      { chunkSize: 10 },
    );
    // Each chunk of 10 consecutive inputs ran on one worker.
    for (let start = 0; start < 40; start += 10) expect(new Set(threads.slice(start, start + 10)).size).toBe(1);
  });

  it('an explicit chunkSize keeps per-task errors: a failing item mid-chunk fails only that item', async () => {
    const offloader = create();
    const inputs = Array.from({ length: 300 }, (_, index) => index + 1);
    const outcomes = collector();
    const error = (await rejectionOf(
      offloader.map(mixed, inputs, { chunkSize: 20, stopOnError: false, onSuccess: outcomes.onSuccess, onError: outcomes.onError }),
    )) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toHaveLength(Math.floor(300 / 7));
    expectMixedOutcomes(inputs, outcomes);
  });

  it('automatic chunking keeps per-task results and errors', async () => {
    const offloader = create();
    // Warm the run-time estimate so automatic chunking batches the next call.
    await offloader.map(
      double,
      Array.from({ length: 500 }, (_, index) => index),
    );
    const inputs = Array.from({ length: 4000 }, (_, index) => index + 1);
    const outcomes = collector();
    const error = (await rejectionOf(
      offloader.map(mixed, inputs, { stopOnError: false, onSuccess: outcomes.onSuccess, onError: outcomes.onError }),
    )) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toHaveLength(Math.floor(4000 / 7));
    expectMixedOutcomes(inputs, outcomes);
    await expect(offloader.map(double, inputs)).resolves.toEqual(inputs.map((n) => n * 2));
  });

  it('a worker that dies mid-chunk fails only the task it was running; the rest of the chunk still succeeds', async () => {
    const offloader = create({ maxWorkers: 1 });
    const inputs = Array.from({ length: 40 }, (_, n) => ({ n, exitAt: 25 }));
    const outcomes = collector();
    const error = (await rejectionOf(
      offloader.map(exitAt, inputs, { chunkSize: 10, stopOnError: false, onSuccess: outcomes.onSuccess, onError: outcomes.onError }),
    )) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toBeInstanceOf(BackendError);
    expect(error.errors[0].code).toBe('ERR_WORKER_EXITED');
    expect([...outcomes.errors.keys()]).toEqual([25]);
    for (let n = 0; n < 40; n++) if (n !== 25) expect(outcomes.results.get(n)).toEqual([n * 2]);
  });

  it('a non-idempotent task runs each input exactly once, even with a chunkSize and a worker death', async () => {
    const offloader = create({ maxWorkers: 2 });
    const log = join(scratch, 'runs.log');
    const count = 60;
    const exitInput = 33;
    const inputs = Array.from({ length: count }, (_, n) => ({ log, n, exitAt: exitInput }));
    const outcomes = collector();
    const error = (await rejectionOf(
      offloader.map(logRun, inputs, { chunkSize: 16, stopOnError: false, onSuccess: outcomes.onSuccess, onError: outcomes.onError }),
    )) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0].code).toBe('ERR_WORKER_EXITED');
    for (let n = 0; n < count; n++) {
      if (n === exitInput) expect(outcomes.errors.get(n)).toHaveLength(1);
      else expect(outcomes.results.get(n)).toEqual([n]);
    }
    const runs = readFileSync(log, 'utf8').trim().split('\n').map(Number);
    const perInput = new Map<number, number>();
    for (const n of runs) perInput.set(n, (perInput.get(n) ?? 0) + 1);
    expect(perInput.size).toBe(count);
    expect([...perInput.entries()].filter(([, times]) => times !== 1)).toEqual([]);
  });

  it('a non-idempotent task returns correct results when all inputs succeed', async () => {
    const offloader = create();
    const log = join(scratch, 'clean.log');
    const inputs = Array.from({ length: 200 }, (_, n) => ({ log, n }));
    await expect(offloader.map(logRun, inputs, { chunkSize: 50 })).resolves.toEqual(inputs.map(({ n }) => n));
    const runs = readFileSync(log, 'utf8').trim().split('\n').map(Number);
    expect(runs.sort((a, b) => a - b)).toEqual(inputs.map(({ n }) => n));
  });
});
