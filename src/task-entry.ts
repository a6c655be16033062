/**
 * `spillway/task`: what a task module needs and nothing more. It exports
 * {@link offloadable}, {@link isOffloadable}, the task types and the error
 * classes a task may throw or check, and imports only zod: no worker pool,
 * breaker, retry library or cloud SDK enters a worker's import graph or a
 * function bundle through it. Applications import `createOffloader` from
 * `spillway`; both entries share one copy of these classes.
 *
 * @example
 * // tasks.ts
 * import { offloadable } from 'spillway/task';
 * import * as z from 'zod';
 * export const double = offloadable({ name: 'double', input: z.number() }, async (n) => n * 2);
 * @packageDocumentation
 */

export type { OffloadErrorCode, OffloadErrorOptions, TaskPlacement } from './errors.js';
export {
  AbortError,
  BackendError,
  CapacityError,
  CircuitOpenError,
  isOffloadError,
  OffloadError,
  PayloadTooLargeError,
  PayloadTransferError,
  SerializationError,
  StaleBundleError,
  TaskError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export type { HedgeOptions } from './hedge-options.js';
export type { AnyOffloadable, DataLocation, Offloadable, ResolvedTaskDefinition, TaskContext, TaskDefinition, TaskInput, TaskOutput } from './task.js';
export { isOffloadable, offloadable } from './task.js';
