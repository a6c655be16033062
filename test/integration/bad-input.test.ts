import { describe, expect, it } from 'vitest';
import { CapacityError, offloadable, SerializationError, ValidationError } from '../../src/index.js';
import { badOutput, digest, echo, guarded, guardedCalls, items, returnsFunction } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();

describe('bad input', () => {
  it('a schema violation is a ValidationError naming the path, and the task never runs', async () => {
    // One worker, so `guardedCalls` reads the counter of the worker that got the invalid input.
    const offloader = create({ maxWorkers: 1 });
    const before = await offloader.run(guardedCalls, null);
    expect(before.calls).toBe(0);

    const error = (await rejectionOf(offloader.run(guarded, { rounds: 0 }))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.path).toBe('input.rounds');
    expect(error.message).toContain('input.rounds');
    expect(error.code).toBe('ERR_INVALID_INPUT');
    expect(error.taskName).toBe('guarded');
    expect(error.backend).toBe('local');

    const after = await offloader.run(guardedCalls, null);
    expect(after.threadId).toBe(before.threadId);
    expect(after.calls).toBe(0);

    // The counter does count real runs.
    const valid = await offloader.run(guarded, { rounds: 2 });
    expect(valid).toEqual({ rounds: 2, calls: 1, threadId: before.threadId });
  });

  it('names nested paths of schema violations', async () => {
    const offloader = create();
    const error = (await rejectionOf(
      offloader.run(items, {
        items: [
          { id: 1, qty: 1 },
          { id: 2, qty: 2 },
          { id: 3, qty: 0 },
        ],
      }),
    )) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.path).toBe('input.items[2].qty');
    const typeError = (await rejectionOf(offloader.run(digest, { text: 'a', rounds: 'many' } as never))) as ValidationError;
    expect(typeError).toBeInstanceOf(ValidationError);
    expect(typeError.path).toBe('input.rounds');
  });

  it('an output schema violation is a ValidationError for the output', async () => {
    const offloader = create();
    const error = (await rejectionOf(offloader.run(badOutput, undefined as never))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('ERR_INVALID_OUTPUT');
    expect(error.path).toBe('output');
  });

  it('an output that cannot be serialized is a SerializationError naming the path', async () => {
    const offloader = create();
    const error = (await rejectionOf(offloader.run(returnsFunction, undefined as never))) as SerializationError;
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.path).toBe('output.callback');
  });

  it('non-serializable input is a SerializationError with the path, before anything is dispatched', async () => {
    const offloader = create();
    const dispatched: string[] = [];
    offloader.on('dispatch', (info) => dispatched.push(info.taskId));
    const error = (await rejectionOf(offloader.run(echo, { items: [1, 2, 3, { cb: () => 1 }] }))) as SerializationError;
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.path).toBe('input.items[3].cb');
    expect(error.taskName).toBe('echo');

    const a: Record<string, unknown> = {};
    a.self = a;
    expect(((await rejectionOf(offloader.run(echo, a))) as SerializationError).path).toBe('input.self');
    expect(dispatched).toEqual([]);
    expect(offloader.stats().backends.local.dispatched).toBe(0);
    expect(offloader.stats().backends.local.failed).toBe(2);
  });

  it('a task the module does not export is a ValidationError with code ERR_UNKNOWN_TASK', async () => {
    const offloader = create();
    const stranger = offloadable('notInTheModule', (n: number) => n);
    const error = (await rejectionOf(offloader.run(stranger, 1))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('ERR_UNKNOWN_TASK');
    expect(error.message).toContain('notInTheModule');
    // The module's tasks are listed so a typo is easy to spot.
    expect(error.message).toContain('"echo"');
  });

  it('passing something that is not a task is a ValidationError', async () => {
    const offloader = create();
    for (const notATask of [(n: number) => n, { definition: { name: 'echo' } }, 'echo', undefined]) {
      const error = (await rejectionOf(offloader.run(notATask as never, 1 as never))) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.path).toBe('task');
    }
    expect(offloader.stats().pending).toBe(0);
  });

  it('run after close() rejects with CapacityError ERR_CLOSED', async () => {
    const offloader = create();
    await expect(offloader.run(echo, 1)).resolves.toBe(1);
    await offloader.close();
    const error = (await rejectionOf(offloader.run(echo, 2))) as CapacityError;
    expect(error).toBeInstanceOf(CapacityError);
    expect(error.code).toBe('ERR_CLOSED');
    expect(error.retryable).toBe(false);
  });

  it('run after destroy() rejects with CapacityError ERR_CLOSED', async () => {
    const offloader = create();
    await offloader.destroy();
    const error = (await rejectionOf(offloader.run(echo, 2))) as CapacityError;
    expect(error).toBeInstanceOf(CapacityError);
    expect(error.code).toBe('ERR_CLOSED');
  });
});
