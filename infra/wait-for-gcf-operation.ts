/** Waits for a Cloud Functions long-running operation, polling with backoff; a failed operation throws with its message. */
import { DeployError } from './deploy-error.js';
import type { GcfApi, GcfOperation } from './gcf-api.js';
import { PollExhaustedError, type PollOptions, pollUntil } from './poll.js';

/** Polls `operation` until it is done; resolves with the finished operation. */
export async function waitForGcfOperation(api: GcfApi, operation: GcfOperation, what: string, poll: PollOptions = {}): Promise<GcfOperation> {
  let current = operation;
  try {
    return await pollUntil<GcfOperation>(async () => {
      if (current.done !== true) current = await api.getOperation(current.name);
      if (current.done !== true) {
        current = { ...current, done: false };
        return { done: false };
      }
      if (current.error !== undefined) {
        throw new DeployError(`Cloud Functions failed to ${what}: ${current.error.message ?? `code ${current.error.code ?? 'unknown'}`}`, 'ERR_DEPLOY_FAILED');
      }
      return { done: true, value: current };
    }, poll);
  } catch (error) {
    if (error instanceof PollExhaustedError) {
      throw new DeployError(
        `Cloud Functions did not ${what} after ${error.polls} checks; see operation ${operation.name} in the console and run again`,
        'ERR_DEPLOY_TIMEOUT',
        { cause: error },
      );
    }
    throw error;
  }
}
