/** The hybrid scheduler: pure placement decisions and the one eligibility rule. */
export { budgetExhausted, createScheduler, eligible } from './decide.js';
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
} from './types.js';
