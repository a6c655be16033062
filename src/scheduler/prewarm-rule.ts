/**
 * The pure part of `burst.prewarm` (see `PrewarmPolicy`): when the local
 * queue's growth is a spike, and how many warm-ups go out then. The
 * offloader's `Prewarmer` (live clock, real remotes) and the simulator
 * (`spillway simulate --prewarm`, simulated time) both call these, so the
 * rule they apply is the same code.
 */
import type { PrewarmPolicy } from './types.js';

/** The window a spike's queue growth is measured in, ms. */
export const SPIKE_WINDOW_MS = 1_000;

/** `timeoutMs` of a warm-up, so its reservation is small (it answers at once; its INIT is reserved apart). */
export const WARM_UP_TIMEOUT_MS = 1_000;

/** The current spike window: when it started and the local queue's depth then. */
export interface SpikeWindow {
  /** Start of the window, ms on the caller's clock. */
  readonly startedAt: number;
  /** Tasks in the local queue at its start. */
  readonly queued: number;
}

/** The window before any observation: the first one starts a window. */
export const NO_SPIKE_WINDOW: SpikeWindow = { startedAt: Number.NEGATIVE_INFINITY, queued: 0 };

/** What observing the local queue at one `auto` placement gave. */
export interface SpikeCheck {
  /** The window to keep: a new one when the current one is {@link SPIKE_WINDOW_MS} old. */
  window: SpikeWindow;
  /** The queue is at least `onQueueGrowth` deeper than at the window's start (never on the placement that starts a window). */
  spike: boolean;
}

/** Observes `queued` tasks in the local queue at `now` (ms) against `window`. */
export function checkSpike(window: SpikeWindow, queued: number, now: number, onQueueGrowth: number): SpikeCheck {
  if (now - window.startedAt >= SPIKE_WINDOW_MS) return { window: { startedAt: now, queued }, spike: false };
  return { window, spike: queued - window.queued >= onQueueGrowth };
}

/** The preferred remote's counts a spike's warm-ups are sized from. */
export interface PrewarmCounts {
  /** Its attempts (and warm-ups) in flight, as the latency predictor counts them. */
  busy: number;
  /** Its environments likely warm and idle now, as the latency predictor counts them. */
  warmIdle: number;
  /** Requests it can take now: its `maxConcurrency` minus attempts in flight. */
  freeConcurrency: number;
}

/**
 * Warm-ups to send on a spike: none when the remote already has
 * `maxEnvironments` environments busy or likely warm; else `maxEnvironments`
 * minus its busy ones (a warm-up lands on an idle environment when one is
 * left, as any request: only concurrent ones start new environments), at
 * most its free concurrency. Budgets are checked per warm-up by the caller.
 */
export function warmUpsToSend(policy: PrewarmPolicy, counts: PrewarmCounts): number {
  if (counts.busy + counts.warmIdle >= policy.maxEnvironments) return 0;
  return Math.max(0, Math.min(policy.maxEnvironments - counts.busy, counts.freeConcurrency));
}
