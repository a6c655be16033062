/**
 * `cloudFunctions()`: the Google Cloud Functions backend. Each attempt is
 * one HTTPS POST of the task envelope to the function, which runs it
 * through the shared runtime (`handler.ts`) and answers with the result
 * envelope. This file owns the backend's lifecycle and its concurrency
 * limit; the wire protocol (`protocol.ts`), authorization (`auth.ts`) and
 * the meaning of failures (`errors.ts`) live beside it.
 */
import type { Backend, BackendSnapshot, InvokeOptions } from '../../src/backends/backend.js';
import { createConcurrencyGate } from '../../src/backends/concurrency-gate.js';
import { mergeLatencyProfile } from '../../src/backends/latency-profile.js';
import { MOST_STORAGE_REQUESTS, type PayloadStore, storageRequestsUsd } from '../../src/backends/payload-store.js';
import { inlineEnvelope, prepareEnvelope, type SpillLimits } from '../../src/backends/spill.js';
import type { ResultEnvelope, TaskEnvelope } from '../../src/contract/envelope.js';
import { AbortError, CapacityError, type TaskPlacement } from '../../src/errors.js';
import type { RemoteLatencyProfile } from '../../src/scheduler/types.js';
import { createRequestAuthorizer } from './auth.js';
import { cloudFunctionsLatencyProfile } from './latency.js';
import { type CloudFunctionsOptions, resolveCloudFunctionsOptions } from './options.js';
import { type CloudFunctionsPricing, estimateCostUsd } from './pricing.js';
import { decodeAnswer, MAX_PAYLOAD_BYTES, sendEnvelope } from './protocol.js';
import { invokedCloudFunction } from './telemetry.js';

/** An HTTP call may outlast a task's own `timeoutMs` by this much (cold start, transfer), so the client never cuts a task the function would still finish. */
export const TASK_TIMEOUT_HEADROOM_MS = 10_000;

/** Live signals of a Cloud Functions backend: calls in flight, and attempts waiting for a slot under `maxConcurrency`. */
export type CloudFunctionsSnapshot = BackendSnapshot;

/** The Cloud Functions backend. */
export interface CloudFunctionsBackend extends Backend {
  readonly maxPayloadBytes: number;
  /** The function's URL. */
  readonly url: string;
  /** The function's own timeout in ms (`timeoutSeconds` × 1000): the longest one request is billed for. */
  readonly maxBilledDurationMs: number;
  /** The longest container startup one attempt is billed for (the `maxBilledColdStartMs` option): reserved against budgets. */
  readonly maxBilledColdStartMs: number;
  /** Price facts (defaults merged with the `pricing` option). */
  readonly pricing: Readonly<CloudFunctionsPricing>;
  /** Estimated price in USD of one attempt that ran `durationMs`, after `coldStartMs` of startup when it started a new instance. */
  estimateCostUsd(durationMs: number, coldStartMs?: number): number;
  /** Priors of the scheduler's latency prediction (the `latency` option over {@link cloudFunctionsLatencyProfile}'s). */
  readonly latencyProfile: RemoteLatencyProfile;
  /** Live in-flight and queued counts. */
  snapshot(): CloudFunctionsSnapshot;
  /** Where payloads over the limit travel by reference, when configured. */
  readonly payloadStore?: PayloadStore;
}

/** `url` without credentials, query or fragment, for messages. */
function displayUrlOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * Creates the Google Cloud Functions backend. Options are validated here;
 * an invalid one throws `ValidationError` naming it.
 *
 * `invoke` resolves with the result envelope for success and task errors
 * alike, and rejects with `PayloadTooLargeError` (over `maxPayloadBytes`
 * without a `payloadStore`, or over the store's `maxObjectBytes`; before
 * sending), `PayloadTransferError` (the store refused an upload or download), `CapacityError` (HTTP 429, or the backend is closed),
 * `StaleBundleError` (HTTP 409), `AbortError` (`signal`), or `BackendError`
 * (HTTP 5xx, unreachable, connection lost, client timeout: retryable; other
 * 4xx and malformed answers: not retryable).
 *
 * @example
 * ```ts
 * const gcf = cloudFunctions({ url: 'https://europe-west1-my-project.cloudfunctions.net/spillway' });
 * ```
 */
export function cloudFunctions(options: CloudFunctionsOptions): CloudFunctionsBackend {
  const resolved = resolveCloudFunctionsOptions(options);
  const { url, name, maxConcurrency, maxPayloadBytes, timeoutMs, timeoutSeconds, signingSecret, pricing } = resolved;
  const displayUrl = displayUrlOf(url);
  const authorize = createRequestAuthorizer(resolved.auth, {
    audience: resolved.audience,
    ...(resolved.googleAuth === undefined ? {} : { googleAuth: resolved.googleAuth }),
  });
  const gate = createConcurrencyGate(maxConcurrency);
  const spillLimits: Omit<SpillLimits, 'deadlineMs'> = {
    backend: name,
    store: resolved.payloadStore,
    requestLimitBytes: maxPayloadBytes,
    responseLimitBytes: MAX_PAYLOAD_BYTES,
    limitSource: 'maxPayloadBytes',
  };
  // One controller per attempt in flight, so destroy() can stop them all after it rejected the waiting ones.
  const inFlight = new Set<AbortController>();
  let closed = false;

  async function invoke(envelope: TaskEnvelope, invokeOptions: InvokeOptions = {}): Promise<ResultEnvelope> {
    const { signal } = invokeOptions;
    const placement: TaskPlacement = { taskName: envelope.task, taskId: envelope.id, backend: name };
    if (closed) {
      throw new CapacityError(`The ${name} backend is closed: create a new one to run more tasks`, { ...placement, code: 'ERR_CLOSED', retryable: false });
    }
    const aborted = (): AbortError => new AbortError(`Task "${envelope.task}" was aborted before it was sent`, { ...placement, cause: signal?.reason });
    if (signal?.aborted) throw aborted();
    const deadlineMs = envelope.timeoutMs ?? timeoutSeconds * 1000;
    // Without a store the envelope is encoded in this tick, so the attempt joins the queue in the order of invoke().
    const prepared =
      spillLimits.store === undefined
        ? inlineEnvelope(envelope, spillLimits)
        : await prepareEnvelope(envelope, { ...spillLimits, deadlineMs }, invokeOptions.onStorageUsd, signal);
    const { json: body, sizeBytes } = prepared;
    let result: ResultEnvelope | undefined;
    let release: (() => void) | undefined;
    const attempt = new AbortController();
    try {
      release = await gate.acquire(signal, aborted);
      inFlight.add(attempt);
      invokeOptions.onDispatch?.();
      const answer = await sendEnvelope({
        url,
        displayUrl,
        placement,
        body,
        timeoutMs: Math.max(timeoutMs, (envelope.timeoutMs ?? 0) + (envelope.timeoutMs === undefined ? 0 : TASK_TIMEOUT_HEADROOM_MS)),
        authorize,
        ...(envelope.headers === undefined ? {} : { traceHeaders: envelope.headers }),
        ...(signingSecret === undefined ? {} : { signingSecret }),
        ...(signal === undefined ? {} : { signal }),
        destroyed: attempt.signal,
      });
      result = decodeAnswer(answer, {
        envelopeId: envelope.id,
        bundleHash: envelope.bundleHash,
        displayUrl,
        sizeBytes,
        limitBytes: maxPayloadBytes,
        placement,
      });
      return await prepared.receive(result, signal);
    } finally {
      inFlight.delete(attempt);
      release?.();
      await prepared.cleanup(result);
    }
  }

  return {
    name,
    kind: 'gcf',
    maxPayloadBytes,
    maxConcurrency,
    binaryParts: true,
    url,
    invokedFunction: invokedCloudFunction(url, resolved.region),
    maxBilledDurationMs: timeoutSeconds * 1000,
    maxBilledColdStartMs: resolved.maxBilledColdStartMs,
    pricing,
    ...(resolved.payloadStore === undefined
      ? {}
      : { payloadStore: resolved.payloadStore, maxStorageUsd: storageRequestsUsd(resolved.payloadStore.pricing, MOST_STORAGE_REQUESTS) }),
    ...(resolved.stallAfterMs === undefined ? {} : { stallAfterMs: resolved.stallAfterMs }),
    invoke,
    estimateCostUsd: (durationMs, coldStartMs) => estimateCostUsd(pricing, durationMs, coldStartMs),
    latencyProfile: mergeLatencyProfile(cloudFunctionsLatencyProfile(pricing.vcpu), resolved.latency),
    snapshot: () => ({ inFlight: gate.active, queued: gate.waiting }),
    async close() {
      closed = true;
      await gate.whenIdle();
    },
    async destroy() {
      closed = true;
      gate.rejectWaiting(() => new AbortError(`The ${name} backend was destroyed before the task was sent`, { backend: name }));
      for (const attempt of inFlight) attempt.abort(new AbortError(`The ${name} backend was destroyed`, { backend: name }));
      await gate.whenIdle();
    },
  };
}
