/**
 * The one interface every backend implements: the local piscina pool, AWS
 * Lambda, Google Cloud Functions, or a custom object.
 */
import type { ResultEnvelope, TaskEnvelope } from '../contract/envelope.js';
import type { RemoteLatencyProfile } from '../scheduler/types.js';
import type { ResolvedTaskDefinition } from '../task.js';

/** Per-attempt options of {@link Backend.invoke}. */
export interface InvokeOptions {
  /** Cancels the attempt: a queued attempt is dropped, a running one is stopped where the backend can. */
  signal?: AbortSignal;
  /** The task's definition (idempotency, memory and duration hints). */
  task?: ResolvedTaskDefinition;
  /**
   * Called once, when the attempt leaves the backend's queue and starts its
   * trip to where it runs. Budgets bill a failed attempt from this moment;
   * a backend that has never called it is billed from `invoke`.
   */
  onDispatch?: () => void;
  /**
   * Receives the cost in USD of the storage requests an attempt made through
   * a payload store (uploads and downloads), once it is known; budgets add it
   * to the attempt's billed cost.
   */
  onStorageUsd?: (usd: number) => void;
  /** Batch size hint for backends that batch (the local pool); automatic when absent. */
  chunkSize?: number;
  /** The attempt's affinity key: backends with several workers (the local pool) send equal keys to the same worker. */
  affinityKey?: string;
}

/** What a backend is; the built-in kinds are listed for completion, any other string is a custom backend's kind. */
export type BackendKind = 'local' | 'lambda' | 'gcf' | (string & {});

/** Live load of a remote backend, the same fields on every adapter. */
export interface BackendSnapshot {
  /** Attempts sent and not answered yet. */
  inFlight: number;
  /** Attempts waiting for a free slot (`maxConcurrency` reached). */
  queued: number;
}

/** The cloud function a remote backend invokes, as OpenTelemetry's FaaS client attributes name it. */
export interface InvokedFunction {
  /** `faas.invoked_name`: the function's name. */
  readonly name: string;
  /** `faas.invoked_provider`: `aws`, `gcp`, `azure`, ... */
  readonly provider: string;
  /** `faas.invoked_region`, when known. */
  readonly region?: string;
}

/** Static facts about a backend that the scheduler and the payload checks use. */
export interface BackendFacts {
  /** Name used in results, events, stats and `placement`: `local`, `lambda`, `gcf` or a custom one. */
  readonly name: string;
  /** What the backend is: `local`, `lambda`, `gcf`, or any name a custom backend gives its kind. Informative only; nothing in spillway branches on it. */
  readonly kind: BackendKind;
  /** Largest encoded envelope the backend accepts, if it has a limit. */
  readonly maxPayloadBytes?: number;
  /** How many attempts may run at once. */
  readonly maxConcurrency: number;
  /** The function a remote invokes, for the `faas.invoked_*` attributes of its attempt spans. */
  readonly invokedFunction?: InvokedFunction;
  /**
   * The price model: what one attempt that ran `durationMs` costs, in USD,
   * billed as the provider bills (rounding, per-request fee), plus the INIT
   * of a new execution environment when the attempt started one
   * (`coldStartMs`, as its result reported it) and the provider bills it.
   * Absent for backends that cost nothing per task, such as the local pool.
   */
  estimateCostUsd?(durationMs: number, coldStartMs?: number): number;
  /**
   * The longest one attempt can be billed for, in ms, whatever its task
   * `timeoutMs` (a Lambda function's own timeout, for example). Budgets
   * reserve it for an attempt without a `timeoutMs` until the attempt
   * settles. Absent: 900,000 ms (15 min, Lambda's largest timeout) is
   * reserved for such attempts.
   */
  readonly maxBilledDurationMs?: number;
  /**
   * The longest cold start (INIT, container startup) one attempt can be
   * billed for, in ms, when the provider bills it: budgets reserve it on top
   * of the attempt's run-time bound until the attempt settles. Absent or 0:
   * cold starts are not billed, and nothing is reserved for them.
   */
  readonly maxBilledColdStartMs?: number;
  /**
   * The region the backend runs tasks in, such as `eu-west-1`: the scheduler
   * prefers a remote in a task's `dataRegion` and prices moving data to one
   * elsewhere. Absent: `invokedFunction.region`, else unknown.
   */
  readonly region?: string;
  /**
   * The backend's `invoke` takes envelopes whose binary leaves travel beside
   * `input`, in `binary`, as on the local pool, and encodes them itself:
   * `encodeWithinLimit` and `prepareEnvelope` of `spillway/contract` inline
   * them as base64, or spill them to a payload store as raw bytes. Absent:
   * envelopes arrive with binary leaves inlined in `input` as base64.
   */
  readonly binaryParts?: boolean;
  /**
   * The most one attempt can spend besides its run time, USD: the storage
   * requests of a payload store (an input's upload and download, an
   * output's upload and download). Budgets reserve it with the run time
   * until the attempt settles. Absent: 0.
   */
  readonly maxStorageUsd?: number;
  /**
   * The priors of the scheduler's latency predictions for this remote (cold
   * start, speed factor, warm period, network), each then learned from its
   * answers. Absent: the scheduler makes no latency prediction for it and
   * never holds work back from it for being slower.
   */
  readonly latencyProfile?: RemoteLatencyProfile;
  /**
   * Wall time after which an attempt here without `timeoutMs` that has not
   * answered counts as stalled: a `stall` event (once per attempt, reported
   * only) and `stats().backends[name].stalls`. A task's own `stallAfterMs`
   * overrides it. Absent: 10 × the p99 wall time of the task's answered
   * attempts here (else its local p99, else its `expectedDurationMs`), at least 30 s.
   */
  readonly stallAfterMs?: number;
}

/** A place where task attempts run. */
export interface Backend extends BackendFacts {
  /**
   * Runs one attempt. Resolves with the result envelope for both success and
   * task errors; rejects with an `OffloadError` for faults of the backend
   * itself (`BackendError`, `CapacityError`, `TimeoutError`, `AbortError`).
   */
  invoke(envelope: TaskEnvelope, options?: InvokeOptions): Promise<ResultEnvelope>;
  /** Stops accepting attempts, waits for those already accepted, then releases resources. */
  close(): Promise<void>;
  /** Cancels every accepted attempt (each rejects with `AbortError`) and releases resources. */
  destroy(): Promise<void>;
}
