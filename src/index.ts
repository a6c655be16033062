/**
 * spillway: run task functions on a local worker pool and spill bursts to
 * remote backends, with one serialization contract and one way of reporting
 * results and errors. This entry is what applications use: `offloadable`,
 * `createOffloader`, the option, event and stats types, and the errors.
 * Backend and handler authors find envelopes, codecs and the runtime in
 * `spillway/contract`; task modules can import `offloadable` alone from
 * `spillway/task`.
 * @packageDocumentation
 */

export type { Backend, BackendFacts, InvokeOptions } from './backends/backend.js';
export type { AffinityMissInfo, AffinityMissReason, AffinityStats, LocalSnapshot, StallInfo, WorkerSizing } from './backends/local/index.js';
export type { TaskLogLine, TaskLogStream, TaskLogs } from './contract/task-log.js';
export { MissingPeerError } from './errors.js';
export { createOffloader } from './offloader/create-offloader.js';
export type {
  BreakerInfo,
  BudgetExhaustedInfo,
  DrainInfo,
  LateFaultInfo,
  OffloaderEvents,
  PrewarmInfo,
  TaskEventInfo,
  TaskFailureInfo,
  TaskHedgeInfo,
  TaskLogInfo,
  TaskRetryInfo,
} from './offloader/events.js';
export { installShutdownHandlers, type ShutdownHandlerOptions } from './offloader/shutdown-handlers.js';
export type { SpendSummary } from './offloader/spend-tracker.js';
export type { BackendStats, HedgeStats, LatencySummary, OffloaderStats } from './offloader/stats.js';
export type {
  AttemptReason,
  Timeline,
  TimelineAttempt,
  TimelineBreakerChange,
  TimelineRetry,
  TimelineSample,
  TimelineSpill,
} from './offloader/timeline.js';
export type {
  CloseOptions,
  MapAggregateError,
  MapInputs,
  MapOptions,
  MapProgress,
  Offloader,
  Placement,
  RunOptions,
  StreamOptions,
  StreamResult,
} from './offloader/types.js';
export type { LocalOptions, LogOptions, OffloaderOptions, TimelineOptions } from './options.js';
export type { BreakerOptions } from './resilience/breaker.js';
export type { RetryOptions } from './resilience/retry.js';
export type { BreakerState, BurstPolicy, CostPolicy } from './scheduler/types.js';
// Everything a task module needs (offloadable, the task types, the error classes): the spillway/task entry.
export * from './task-entry.js';
