/**
 * The span of one `burst.prewarm` warm-up: `spillway.warm_up`, CLIENT, a
 * root span of its own (a warm-up belongs to no task), made when it settled
 * and dated back to when it was created, with the remote's attributes, its
 * outcome, run time, reported INIT and billed cost. Made only while a tracer
 * provider is registered.
 */
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { OffloadError } from '../errors.js';
import { backendAttributes, hrTimeOf, recordFailure, type TracedBackend, wallOffsetMs } from './span-parts.js';
import { ATTR, activeTracer, OUTCOME_OK } from './tracer.js';

/** A settled warm-up, as its span tells it. */
export interface WarmUpSpanFacts {
  backend: TracedBackend;
  /** `performance.now()` when it was created. */
  createdAt: number;
  /** What it failed with; undefined when it answered. */
  error: OffloadError | undefined;
  runMs: number;
  coldStartMs: number | undefined;
  billedUsd: number;
}

/** Records the span of a warm-up that settled now. */
export function recordWarmUpSpan(warmUp: WarmUpSpanFacts): void {
  const tracer = activeTracer();
  if (tracer === undefined) return;
  const offsetMs = wallOffsetMs();
  const attributes = backendAttributes(warmUp.backend, {
    [ATTR.outcome]: warmUp.error?.code ?? OUTCOME_OK,
    [ATTR.runMs]: warmUp.runMs,
    [ATTR.billedUsd]: warmUp.billedUsd,
    ...(warmUp.coldStartMs === undefined ? {} : { [ATTR.coldStartMs]: warmUp.coldStartMs }),
  });
  const span = tracer.startSpan('spillway.warm_up', { kind: SpanKind.CLIENT, attributes, startTime: hrTimeOf(warmUp.createdAt, offsetMs) }, ROOT_CONTEXT);
  if (warmUp.error !== undefined) recordFailure(span, warmUp.error);
  span.end(hrTimeOf(performance.now(), offsetMs));
}
