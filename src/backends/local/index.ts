/** The local pool: piscina worker threads behind spillway's own queue, sending attempts in chunks. */
export type { AttemptSink } from './attempt-sink.js';
export type { WorkerSizing } from './cpu-budget.js';
export type { LocalAttempt, LocalBackend, LocalSnapshot } from './local-backend.js';
export { createLocalBackend } from './local-pools.js';
export type { StallInfo } from './stall-watch.js';
export type { AffinityMissInfo, AffinityMissReason, AffinityStats } from './worker-affinity.js';
