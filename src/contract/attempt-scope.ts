/**
 * The async context of one attempt where it runs: a single AsyncLocalStorage
 * whose store every timer and promise the attempt starts inherits. Log
 * capture keeps the attempt's log buffer there (`log-capture.ts`), and the
 * local worker's scopes (a subclass) also say where a fault came from
 * (`backends/local/fault-origin.ts`):
 * one scope per attempt, not one per concern (each AsyncLocalStorage run and
 * each store carried into every promise costs the hot path).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TaskLogBuffer } from './task-log.js';

/** What one attempt's async context carries. */
export class AttemptScope {
  /** The attempt's log capture, once it opened one. */
  log: TaskLogBuffer | undefined = undefined;
}

const scopes = new AsyncLocalStorage<AttemptScope>();

/** Runs `work` in `scope`: what it prints and whatever it starts belong to that attempt. */
export function runInScope<T>(scope: AttemptScope, work: () => T): T {
  return scopes.run(scope, work);
}

/** The scope of the attempt whose async context is running, if any. */
export function currentScope(): AttemptScope | undefined {
  return scopes.getStore();
}
