// Affinity keys through the public API (issue 14, part 1): the same key goes
// to the same live worker while no worker dies; a worker that dies moves only
// its own keys; per-worker setup (a task's `setup`, the module's
// `onWorkerStart`) runs once per worker, and a setup that throws fails its
// task typed and runs again next time. Every count is read from the workers'
// own answers, never from a clock.
import { afterEach, describe, expect, it } from 'vitest';
import { type AffinityMissInfo, BackendError, createOffloader, type LocalOptions, type Offloader, TaskError, ValidationError } from '../../src/index.js';
import { coldStart, exitNow, keyedNap, sleepMs, whereAmI } from '../fixtures/affinity-tasks.js';
import { rejectionOf } from '../support/helpers.js';

const tasks = new URL('../fixtures/affinity-tasks.ts', import.meta.url);
const live: Offloader[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});
function create(local: LocalOptions = {}): Offloader {
  const offloader = createOffloader({ tasks, local: { maxWorkers: 2, ...local } });
  live.push(offloader);
  return offloader;
}

const keys = Array.from({ length: 10 }, (_, index) => `key-${index}`);

/** The worker each key ran on, from one task per key. */
async function owners(offloader: Offloader): Promise<Map<string, number>> {
  const answers = await offloader.map(
    whereAmI,
    keys.map((key) => ({ key })),
  );
  return new Map(keys.map((key, index) => [key, answers[index].threadId]));
}

describe('affinity keys', () => {
  it('1,000 tasks over 10 keys on 2 workers: each key always runs on one worker, and setup ran once per worker', async () => {
    const offloader = create();
    const misses: AffinityMissInfo[] = [];
    offloader.on('affinityMiss', (miss) => misses.push(miss));
    const inputs = Array.from({ length: 1000 }, (_, index) => ({ key: keys[index % keys.length] }));
    const answers = await offloader.map(whereAmI, inputs);
    const workersOfKey = new Map<string, Set<number>>();
    for (const [index, answer] of answers.entries()) {
      const seen = workersOfKey.get(inputs[index].key) ?? new Set<number>();
      seen.add(answer.threadId);
      workersOfKey.set(inputs[index].key, seen);
      // The worker's setup and onWorkerStart had run exactly once when this task ran.
      expect(answer).toMatchObject({ setups: 1, workerStarts: 1 });
    }
    for (const seen of workersOfKey.values()) expect(seen.size).toBe(1);
    // Both workers hold keys (rendezvous hashing spreads 10 keys over 2 workers).
    expect(new Set(answers.map((answer) => answer.threadId)).size).toBe(2);
    expect(misses).toEqual([]);
    expect(offloader.stats().local.affinity).toEqual({ hits: 1000, misses: 0, hitRate: 1 });
  });

  it('a pool below `maxWorkers` grows for keyed work alone', async () => {
    const offloader = create({ minWorkers: 1, maxWorkers: 3 });
    // Every task keyed, over more keys than workers; each holds its worker long enough to keep the one worker busy.
    const inputs = Array.from({ length: 120 }, (_, index) => ({ key: keys[index % keys.length], ms: 25 }));
    const threadIds = await offloader.map(keyedNap, inputs);
    expect(new Set(threadIds).size).toBeGreaterThan(1);
    expect(offloader.stats().local.workers).toBeGreaterThan(1);
  });

  it('a worker that dies moves only its own keys', async () => {
    const offloader = create();
    const before = await owners(offloader);
    const victim = before.get('key-0') as number;
    const survivorKeys = keys.filter((key) => before.get(key) !== victim);
    expect(survivorKeys.length).toBeGreaterThan(0);
    // Keyed like key-0, so it runs on key-0's worker and ends it.
    const death = await rejectionOf(offloader.run(exitNow, undefined, { affinityKey: 'key-0' }));
    expect(death).toBeInstanceOf(BackendError);
    expect(death).toMatchObject({ code: 'ERR_WORKER_EXITED' });
    const after = await owners(offloader);
    for (const key of keys) {
      if (survivorKeys.includes(key)) expect(after.get(key)).toBe(before.get(key));
      else expect(after.get(key)).not.toBe(victim);
    }
  });

  it('a run option `affinityKey` overrides the task`s `affinity`', async () => {
    const offloader = create();
    const before = await owners(offloader);
    const other = keys.find((key) => before.get(key) !== before.get('key-0')) as string;
    const answer = await offloader.run(whereAmI, { key: 'key-0' }, { affinityKey: other });
    expect(answer.threadId).toBe(before.get(other));
  });

  it('a `map` or `stream` call`s `affinityKey` keys each input by `(input, index)`, over the task`s `affinity`', async () => {
    const offloader = create();
    const before = await owners(offloader);
    const other = keys.find((key) => before.get(key) !== before.get('key-0')) as string;
    // The task's `affinity` would send every input to key-0's worker; the call's key sends odd indexes to the other worker.
    const inputs = Array.from({ length: 40 }, () => ({ key: 'key-0' }));
    const keyOf = (input: { key: string }, index: number) => (index % 2 === 1 ? other : undefined) ?? input.key;
    const mapped = await offloader.map(whereAmI, inputs, { affinityKey: keyOf });
    for (const [index, answer] of mapped.entries()) expect(answer.threadId).toBe(before.get(keyOf(inputs[index], index)));
    for await (const item of offloader.stream(whereAmI, inputs, { affinityKey: (_input, index) => (index % 2 === 1 ? other : undefined) })) {
      expect(item.ok && item.value.threadId).toBe(before.get(item.index % 2 === 1 ? other : 'key-0'));
    }
    const bad = await rejectionOf(offloader.map(whereAmI, inputs.slice(0, 1), { affinityKey: () => 7 as unknown as string }));
    expect(bad).toBeInstanceOf(ValidationError);
    expect(bad).toMatchObject({ path: 'affinityKey' });
  });

  it('a keyed task whose worker already has `affinityMaxQueue` waiting goes elsewhere, with an `affinityMiss` event', async () => {
    const offloader = create({ affinityMaxQueue: 1 });
    const misses: AffinityMissInfo[] = [];
    offloader.on('affinityMiss', (miss) => misses.push(miss));
    // Submitted in one go: the first waits in the key's lane, which then holds `affinityMaxQueue` (1); the other two go elsewhere.
    const runs = [0, 1, 2].map(() => offloader.run(sleepMs, 50, { affinityKey: 'hot' }));
    expect(await Promise.all(runs)).toEqual([50, 50, 50]);
    expect(misses).toHaveLength(2);
    expect(misses[0]).toMatchObject({ taskName: 'sleepMs', backend: 'local', key: 'hot', reason: 'queue-full' });
    expect(misses[0].worker).toBeGreaterThan(0);
    expect(offloader.stats().local.affinity).toMatchObject({ hits: 1, misses: 2 });
  });

  it('a setup that throws fails its task with TaskError ERR_TASK_SETUP, and runs again before the next task', async () => {
    const offloader = create({ maxWorkers: 1 });
    const error = await rejectionOf(offloader.run(coldStart, undefined));
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ code: 'ERR_TASK_SETUP', taskName: 'coldStart', backend: 'local' });
    expect((error as Error).message).toContain('the cache is cold');
    // The second setup call succeeded; the third task finds it done.
    expect(await offloader.run(coldStart, undefined)).toBe(2);
    expect(await offloader.run(coldStart, undefined)).toBe(2);
  });
});
