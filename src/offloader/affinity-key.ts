/** A task's affinity key from a function of its input: the task's `affinity`, or a `map`/`stream` call's `affinityKey`. */
import { ValidationError } from '../errors.js';
import type { ResolvedTaskDefinition } from '../task.js';

/** `keyOf(input)` (the task's `affinity`, or a `map`/`stream` call's `affinityKey`); a throw or a value that is not a string fails the task with a `ValidationError`. */
export function affinityOf(
  task: ResolvedTaskDefinition,
  input: unknown,
  keyOf: (input: never) => unknown,
  path: 'affinity' | 'affinityKey',
): string | undefined {
  let key: unknown;
  try {
    key = (keyOf as (input: unknown) => unknown)(input);
  } catch (error) {
    throw new ValidationError(`The \`${path}\` function of task "${task.name}" threw: ${(error as Error)?.message ?? String(error)}`, {
      path,
      cause: error,
      taskName: task.name,
    });
  }
  if (key === undefined || typeof key === 'string') return key;
  throw new ValidationError(`Expected \`${path}(input)\` of task "${task.name}" to return a string or undefined, got ${typeof key}`, {
    path,
    taskName: task.name,
  });
}
