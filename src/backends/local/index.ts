/** The local pool: piscina worker threads behind spillway's own queue, sending attempts in chunks. */
export type { AttemptSink } from './attempt-sink.js';
export type { WorkerSizing } from './cpu-budget.js';
export { createLocalBackend, type LocalAttempt, type LocalBackend, type LocalSnapshot } from './local-backend.js';
export type { StallInfo } from './stall-watch.js';
export type { AffinityMissInfo, AffinityMissReason, AffinityStats } from './worker-affinity.js';
