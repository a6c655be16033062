/** Task envelopes for the Cloud Functions tests. */
import { ENVELOPE_VERSION, hashTaskModule, serialize, type TaskEnvelope } from '../../src/contract/index.js';

/** The JavaScript task module the Functions Framework serves in the integration tests. */
export const remoteTasksUrl = new URL('../fixtures/gcf-tasks.mjs', import.meta.url);

let sequence = 0;

/** An envelope for `task` with `input`; the bundle hash defaults to `bundleHash` (a placeholder unless given). */
export function envelopeOf(task: string, input: unknown, extra: Partial<TaskEnvelope> = {}): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: `task-${++sequence}`, task, bundleHash: 'test-bundle', attempt: 1, input: serialize(input, 'input'), ...extra };
}

/** An envelope for a task of test/fixtures/gcf-tasks.mjs, carrying that module's real hash. */
export function remoteEnvelope(task: string, input: unknown, extra: Partial<TaskEnvelope> = {}): TaskEnvelope {
  return envelopeOf(task, input, { bundleHash: hashTaskModule(remoteTasksUrl), ...extra });
}
