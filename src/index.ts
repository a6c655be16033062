/**
 * spillway: run task functions on a local worker pool, with one
 * serialization contract and one way of reporting results and errors.
 * @packageDocumentation
 */
export { offloadable, isOffloadable } from './task.js';
export type { Offloadable, AnyOffloadable, TaskDefinition, ResolvedTaskDefinition, TaskContext, TaskInput, TaskOutput } from './task.js';
export { createOffloader } from './offloader.js';
export type { Offloader, RunOptions, MapOptions, MapProgress } from './offloader.js';
export type { OffloaderOptions, LocalOptions } from './options.js';
export type { OffloaderEvents, TaskEventInfo, TaskFailureInfo, TaskRetryInfo, DrainInfo } from './events.js';
export type { OffloaderStats, BackendStats, LatencySummary } from './stats.js';
export type { LocalSnapshot } from './backends/local.js';
export type { Backend, BackendFacts, InvokeOptions } from './backends/backend.js';
export {
  OffloadError,
  ValidationError,
  SerializationError,
  PayloadTooLargeError,
  TaskError,
  TimeoutError,
  AbortError,
  CapacityError,
  CircuitOpenError,
  BackendError,
  StaleBundleError,
  isOffloadError,
} from './errors.js';
export type { OffloadErrorOptions, TaskPlacement } from './errors.js';
export { createRuntime } from './runtime.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { createTaskRegistry, loadTaskModule, hashTaskModule } from './task-module.js';
export type { TaskRegistry, TaskModuleLocation } from './task-module.js';
export { ENVELOPE_VERSION, TaskEnvelope, ResultEnvelope, ErrorKind, EncodedError, serialize, deserialize, encodeError, decodeError } from './contract/index.js';
