/** What a local worker's death, or its failure to load the task module, means for its attempts, as an error. */
import type { EncodedError } from '../../contract/envelope.js';
import { decodeError } from '../../contract/error-codec.js';
import { BackendError } from '../../errors.js';

/** The error of every attempt of a chunk whose worker could not load the task module at `tasksUrl`. */
export function moduleLoadError(tasksUrl: URL, loadError: EncodedError): BackendError {
  const cause = decodeError('task', loadError, {});
  return new BackendError(`The local worker could not load the task module ${tasksUrl.href}: ${cause.message}`, {
    code: 'ERR_TASK_MODULE',
    retryable: false,
    cause,
  });
}

/**
 * Maps the error piscina reports when a worker dies to the attempt's error:
 * `ERR_WORKER_OUT_OF_MEMORY` (it hit `local.workerMemoryMb`),
 * `ERR_WORKER_EXITED` (for example `process.exit()`) or `ERR_WORKER_CRASHED`.
 * None is retryable.
 */
export function workerDeathError(error: unknown, taskName: string, workerMemoryMb: number | undefined): BackendError {
  const code = (error as { code?: string } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  const maxRssMb = (error as { maxRssMb?: number } | null)?.maxRssMb;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' && maxRssMb !== undefined) {
    return new BackendError(`Task "${taskName}": ${message}; the process was killed and replaced. Raise local.maxRssMb or make the task use less memory`, {
      code: 'ERR_WORKER_OUT_OF_MEMORY',
      retryable: false,
      cause: error,
    });
  }
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new BackendError(
      `Task "${taskName}" exhausted the worker's memory limit (local.workerMemoryMb = ${workerMemoryMb}); the worker was replaced. Raise local.workerMemoryMb or make the task use less memory`,
      { code: 'ERR_WORKER_OUT_OF_MEMORY', retryable: false, cause: error },
    );
  }
  if (/worker exited/i.test(message)) {
    return new BackendError(`The worker running task "${taskName}" exited (${message}), for example through process.exit(); the worker was replaced`, {
      code: 'ERR_WORKER_EXITED',
      retryable: false,
      cause: error,
    });
  }
  return new BackendError(`The worker running task "${taskName}" crashed: ${message}; the worker was replaced`, {
    code: 'ERR_WORKER_CRASHED',
    retryable: false,
    cause: error,
  });
}
