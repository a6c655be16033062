/**
 * Per-worker setup: a task module's `onWorkerStart` export and each task's
 * `setup`, run once per worker or warm function instance before the first
 * attempt that needs them.
 */
import { TaskError } from '../errors.js';

/**
 * Runs per-worker setup once per key: the module's `onWorkerStart` (key
 * `''`) and each task's `setup` (key: the task's name). Concurrent callers
 * share one run; a run that throws is forgotten, so the next caller tries
 * again.
 */
export function setupRunner(): {
  ready: Set<string>;
  prepare(taskName: string, onWorkerStart?: () => unknown, setup?: () => unknown): Promise<TaskError | undefined>;
} {
  const ready = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const run = (key: string, hook: () => unknown): Promise<void> => {
    let promise = running.get(key);
    if (promise === undefined) {
      promise = (async () => {
        await hook();
        ready.add(key);
      })();
      running.set(key, promise);
      promise.catch(() => running.delete(key));
    }
    return promise;
  };
  return {
    ready,
    /** Runs what `taskName` still needs; resolves with the error of the first hook that threw. */
    async prepare(taskName, onWorkerStart, setup) {
      try {
        if (onWorkerStart !== undefined) await run('', onWorkerStart);
      } catch (error) {
        return setupError(error, taskName, "the task module's `onWorkerStart` export");
      }
      try {
        if (setup !== undefined) await run(taskName, setup);
      } catch (error) {
        return setupError(error, taskName, `the \`setup\` of task "${taskName}"`);
      }
      return undefined;
    },
  };
}

/** The error of an attempt whose per-worker setup threw (`ERR_TASK_SETUP`). */
function setupError(error: unknown, taskName: string, what: string): TaskError {
  const reason = (error as Error | null)?.message ?? String(error);
  return new TaskError(`Per-worker setup failed: ${what} threw on this worker (${reason}); it runs again before the next task here`, {
    code: 'ERR_TASK_SETUP',
    cause: error,
    taskName,
  });
}
