/**
 * spillway: run task functions on a local worker pool and spill bursts to
 * remote backends, with one serialization contract and one way of reporting
 * results and errors.
 * @packageDocumentation
 */

export type { Backend, BackendFacts, InvokeOptions } from './backends/backend.js';
export type { LocalSnapshot } from './backends/local.js';
export { decodeError, deserialize, ENVELOPE_VERSION, EncodedError, ErrorKind, encodeError, ResultEnvelope, serialize, TaskEnvelope } from './contract/index.js';
export type { OffloadErrorCode, OffloadErrorOptions, TaskPlacement } from './errors.js';
export {
  AbortError,
  BackendError,
  CapacityError,
  CircuitOpenError,
  isOffloadError,
  OffloadError,
  PayloadTooLargeError,
  SerializationError,
  StaleBundleError,
  TaskError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export { createOffloader } from './offloader/create-offloader.js';
export type { BreakerInfo, BudgetExhaustedInfo, DrainInfo, OffloaderEvents, TaskEventInfo, TaskFailureInfo, TaskRetryInfo } from './offloader/events.js';
export type { SpendSummary } from './offloader/spend-tracker.js';
export type { BackendStats, LatencySummary, OffloaderStats } from './offloader/stats.js';
export type { MapInputs, MapOptions, MapProgress, Offloader, Placement, RunOptions } from './offloader/types.js';
export type { LocalOptions, OffloaderOptions } from './options.js';
export type { BreakerOptions } from './resilience/breaker.js';
export { isInfrastructureFault, neverStarted } from './resilience/faults.js';
export type { RetryOptions } from './resilience/retry.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { createRuntime } from './runtime.js';
export { createScheduler, eligible } from './scheduler/decide.js';
export type {
  BreakerState,
  BurstPolicy,
  CostPolicy,
  Decision,
  LocalSignals,
  RemoteSignals,
  Scheduler,
  SchedulerSnapshot,
  SpendSignals,
} from './scheduler/types.js';
export type { AnyOffloadable, Offloadable, ResolvedTaskDefinition, TaskContext, TaskDefinition, TaskInput, TaskOutput } from './task.js';
export { isOffloadable, offloadable } from './task.js';
export type { TaskModuleLocation, TaskRegistry } from './task-module.js';
export { createTaskRegistry, hashTaskModule, loadTaskModule } from './task-module.js';
