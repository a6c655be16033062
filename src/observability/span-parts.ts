/**
 * What spillway's spans share: the attributes of the backend a span is about
 * (with the FaaS client conventions when it is a cloud function), how a
 * failure is recorded, and the conversion of `performance.now()` times to
 * the `HrTime` the SDK takes (done here once, so the SDK does not convert
 * each time again).
 */
import type { Attributes, HrTime, Span } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { BackendFacts } from '../backends/backend.js';
import type { OffloadError } from '../errors.js';
import { ATTR } from './tracer.js';

/** A backend as a span sees it. */
export type TracedBackend = Pick<BackendFacts, 'name' | 'kind' | 'invokedFunction'>;

/** Marks `span` failed with `error`: the exception, its code (`spillway.error.code`, `error.type`, `spillway.outcome`) and the status. */
export function recordFailure(span: Span, error: OffloadError): void {
  span.recordException(error);
  span.setAttribute(ATTR.errorCode, error.code);
  span.setAttribute('error.type', error.code);
  span.setAttribute(ATTR.outcome, error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** `backend`'s attributes (`spillway.backend`, `spillway.backend.kind`, `faas.invoked_*`) with `more`. */
export function backendAttributes(backend: TracedBackend, more: Attributes | undefined): Attributes {
  const attributes: Attributes = { [ATTR.backend]: backend.name, [ATTR.backendKind]: backend.kind, ...more };
  const invoked = backend.invokedFunction;
  if (invoked !== undefined) {
    attributes['faas.invoked_name'] = invoked.name;
    attributes['faas.invoked_provider'] = invoked.provider;
    if (invoked.region !== undefined) attributes['faas.invoked_region'] = invoked.region;
  }
  return attributes;
}

/** `performance.now()` milliseconds as an `HrTime` on the wall clock, with `wallOffsetMs` = `Date.now() - performance.now()`. */
export function hrTimeOf(performanceMs: number, wallOffsetMs: number): HrTime {
  const ms = performanceMs + wallOffsetMs;
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** The wall clock's offset from `performance.now()`, for {@link hrTimeOf}. */
export function wallOffsetMs(): number {
  return Date.now() - performance.now();
}
