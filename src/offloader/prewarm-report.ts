/**
 * What the offloader makes of `burst.prewarm`'s warm-ups: the `prewarm`
 * event when they go out; per warm-up, a timeline row (task
 * `spillway:warm-up`, reason `prewarm`, its billed cost as `estimatedUsd`,
 * so the report's cost line includes it), a `spillway.warm_up` span and the
 * `spillway.prewarms` counter.
 */
import { WARM_UP_TASK } from '../contract/envelope.js';
import { OUTCOME_OK } from '../observability/tracer.js';
import { recordWarmUpSpan } from '../observability/warm-up-span.js';
import type { PrewarmObserver } from './prewarmer.js';
import type { RunReporter } from './run-reporter.js';
import type { TimelineRecorder } from './timeline-recorder.js';

/** The observer of an offloader's warm-ups; `timeline` is undefined when the timeline is off. */
export function prewarmReport(reporter: RunReporter, timeline: TimelineRecorder | undefined): PrewarmObserver {
  return {
    sent(info) {
      reporter.emit('prewarm', info);
    },
    settled(warmUp) {
      const { backend, runMs } = warmUp;
      const outcome = warmUp.error?.code ?? OUTCOME_OK;
      reporter.warmUpSettled(backend.name, outcome);
      recordWarmUpSpan(warmUp);
      timeline?.attempt({
        taskName: WARM_UP_TASK,
        taskId: warmUp.id,
        attempt: 1,
        backend: backend.name,
        workerId: undefined,
        createdAt: warmUp.createdAt,
        dispatchedAt: warmUp.dispatchedAt,
        runMs,
        outcome,
        estimatedUsd: warmUp.billedUsd,
        reason: 'prewarm',
      });
    },
  };
}
