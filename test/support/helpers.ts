/** Shared set-up of the integration tests: offloaders over the fixture task module, destroyed after each test. */
import { afterEach } from 'vitest';
import { createOffloader, type LocalOptions, type Offloader } from '../../src/index.js';

export const tasksUrl = new URL('../fixtures/tasks.ts', import.meta.url);

/**
 * Returns a factory of offloaders over the fixture module; every offloader it
 * made is destroyed after each test, so no worker outlives its test.
 */
export function offloaders(): (local?: LocalOptions) => Offloader {
  const live: Offloader[] = [];
  afterEach(async () => {
    await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
  });
  return (local = {}) => {
    const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 2, ...local } });
    live.push(offloader);
    return offloader;
  };
}

/** Resolves with the rejection reason of `promise`; fails if it resolves. */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );
}
