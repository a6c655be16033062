/**
 * spillway: run task functions on a local worker pool, with one
 * serialization contract and one way of reporting results and errors.
 * @packageDocumentation
 */

export type { Backend, BackendFacts, InvokeOptions } from './backends/backend.js';
export type { LocalSnapshot } from './backends/local/index.js';
export { decodeError, deserialize, ENVELOPE_VERSION, EncodedError, ErrorKind, encodeError, ResultEnvelope, serialize, TaskEnvelope } from './contract/index.js';
export type { OffloadErrorOptions, TaskPlacement } from './errors.js';
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
export type { BreakerInfo, BudgetExhaustedInfo, DrainInfo, OffloaderEvents, TaskEventInfo, TaskFailureInfo, TaskRetryInfo } from './events.js';
export type { MapOptions, MapProgress, Offloader, Placement, RunOptions } from './offloader.js';
export { createOffloader } from './offloader.js';
export type { LocalOptions, OffloaderOptions } from './options.js';
export type { BreakerOptions, RetryOptions } from './resilience.js';
export { isInfrastructureFault, neverStarted } from './resilience.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { createRuntime } from './runtime.js';
export type { BreakerState, BurstPolicy, CostPolicy, Decision, RemoteSignals, Scheduler, SchedulerSnapshot } from './scheduler.js';
export { createScheduler, predictWaitMs } from './scheduler.js';
export type { SpendSummary } from './spend.js';
export type { BackendStats, LatencySummary, OffloaderStats } from './stats.js';
export type { AnyOffloadable, Offloadable, ResolvedTaskDefinition, TaskContext, TaskDefinition, TaskInput, TaskOutput } from './task.js';
export { isOffloadable, offloadable } from './task.js';
export type { TaskModuleLocation, TaskRegistry } from './task-module.js';
export { createTaskRegistry, hashTaskModule, loadTaskModule } from './task-module.js';
