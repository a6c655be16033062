/**
 * spillway's tracer and the names of its span attributes. Spans are made
 * only while a tracer provider is registered: without one, a task costs one
 * check and no allocation.
 */
import { ProxyTracerProvider, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';

/** Instrumentation scope of every span and metric spillway makes. */
export const SCOPE = 'spillway';

/** Attribute names under `spillway.*` (OpenTelemetry FaaS conventions are used as they are). */
export const ATTR = {
  taskName: 'spillway.task.name',
  taskId: 'spillway.task.id',
  backend: 'spillway.backend',
  backendKind: 'spillway.backend.kind',
  attempt: 'spillway.attempt',
  attempts: 'spillway.attempts',
  attemptReason: 'spillway.attempt.reason',
  queueMs: 'spillway.queue_ms',
  runMs: 'spillway.run_ms',
  retryReason: 'spillway.retry.reason',
  retryNextBackend: 'spillway.retry.next_backend',
  breakerState: 'spillway.breaker.state',
  estimatedUsd: 'spillway.cost.estimated_usd',
  billedUsd: 'spillway.cost.billed_usd',
  coldStartMs: 'spillway.cold_start_ms',
  outcome: 'spillway.outcome',
  errorCode: 'spillway.error.code',
} as const;

/** Outcome attribute of a success; a failure's outcome is its error `code`. */
export const OUTCOME_OK = 'ok';

/** The registered provider (the proxy's delegate) that {@link activeTracer} last saw, and its tracer. */
let seenProvider: TracerProvider | undefined;
let seenTracer: Tracer | undefined;

/**
 * The tracer when a tracer provider is registered, else undefined (and
 * nothing is traced). Asked once per task: the tracer is kept while the same
 * provider stays registered (an SDK's `getTracer` builds a key string per call).
 */
export function activeTracer(): Tracer | undefined {
  const global = trace.getTracerProvider();
  // The global provider is a proxy, with no delegate (a no-op one) until an SDK registers its own.
  const proxied = global instanceof ProxyTracerProvider;
  const provider = proxied ? global.getDelegate() : global;
  if (provider !== seenProvider) {
    seenProvider = provider;
    seenTracer = proxied ? global.getDelegateTracer(SCOPE) : global.getTracer(SCOPE);
  }
  return seenTracer;
}
