/**
 * The error classes of spillway. Every error a caller can receive from
 * `run`/`map` is an {@link OffloadError}: it carries a stable `code`, says
 * whether retrying could help (`retryable`) and, once a task was submitted,
 * where and how often it ran (`backend`, `taskId`, `attempts`).
 *
 * Use {@link isOffloadError} rather than `instanceof` when two copies of
 * spillway may be installed: it checks a global brand, not a prototype.
 */

const BRAND = Symbol.for('spillway.OffloadError');

/**
 * Every code an error from spillway (core, adapters, infra) can carry.
 * A `TaskError` is the one exception: it keeps the task's own `code` when the
 * thrown error had one (e.g. `E_QUOTA`), and `ERR_TASK` otherwise.
 */
export type OffloadErrorCode =
  // Class defaults.
  | 'ERR_VALIDATION'
  | 'ERR_SERIALIZATION'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_TASK'
  | 'ERR_TIMEOUT'
  | 'ERR_ABORTED'
  | 'ERR_CAPACITY'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_BACKEND'
  | 'ERR_STALE_BUNDLE'
  | 'ERR_MISSING_PEER'
  // Validation of task input and output, task modules and envelopes.
  | 'ERR_INVALID_INPUT'
  | 'ERR_INVALID_OUTPUT'
  | 'ERR_UNKNOWN_TASK'
  | 'ERR_BAD_ENVELOPE'
  | 'ERR_TASK_MODULE'
  | 'ERR_HANDLER'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_REPLAYED'
  | 'ERR_METHOD_NOT_ALLOWED'
  // Capacity and lifecycle.
  | 'ERR_QUEUE_FULL'
  | 'ERR_CLOSED'
  | 'ERR_BUDGET_EXHAUSTED'
  // The local pool.
  | 'ERR_WORKER_CRASHED'
  | 'ERR_WORKER_EXITED'
  | 'ERR_WORKER_OUT_OF_MEMORY'
  | 'ERR_WORKER_STALLED'
  | 'ERR_WORKER_TAINTED'
  // Remote backends, whatever the adapter.
  | 'ERR_BACKEND_UNREACHABLE'
  | 'ERR_BACKEND_THROTTLED'
  | 'ERR_BACKEND_NETWORK'
  | 'ERR_BACKEND_CONNECTION_LOST'
  | 'ERR_BACKEND_TIMEOUT'
  | 'ERR_BACKEND_AUTH'
  | 'ERR_BACKEND_BAD_RESPONSE'
  // PayloadTransferError: payloads by reference through a payload store.
  | 'ERR_PAYLOAD_TRANSFER'
  | 'ERR_PAYLOAD_URL_EXPIRED'
  | `ERR_BACKEND_HTTP_${number}`
  // The AWS Lambda adapter.
  | 'ERR_LAMBDA_ACCESS_DENIED'
  | 'ERR_LAMBDA_BAD_REQUEST'
  | 'ERR_LAMBDA_BAD_RESPONSE'
  | 'ERR_LAMBDA_CONFIGURATION'
  | 'ERR_LAMBDA_FUNCTION_ERROR'
  | 'ERR_LAMBDA_INVOKE'
  | 'ERR_LAMBDA_NOT_FOUND'
  | 'ERR_LAMBDA_NOT_READY'
  | 'ERR_LAMBDA_SERVICE'
  | BundleErrorCode
  | DeployErrorCode;

/** Codes of `spillway bundle`'s `BundleError` (infra). */
export type BundleErrorCode = 'ERR_TASK_MODULE_NOT_FOUND' | 'ERR_BUNDLE_BUILD' | 'ERR_BUNDLE_TOO_LARGE' | 'ERR_SPILLWAY_NOT_BUILT' | 'ERR_NO_TASKS';

/** Codes of the deploy, teardown and IAM policy scripts' `DeployError` (infra), one per kind of problem. */
export type DeployErrorCode =
  | 'ERR_DEPLOY_OPTION'
  | 'ERR_DEPLOY_INPUT'
  | 'ERR_DEPLOY_ACCESS_DENIED'
  | 'ERR_DEPLOY_FAILED'
  | 'ERR_DEPLOY_TIMEOUT'
  | 'ERR_DEPLOY_UNMANAGED'
  | 'ERR_DEPLOY_NOT_FOUND'
  | 'ERR_DEPLOY_API';

/** Where a failed task was heading or ran, attached by the offloader. */
export interface TaskPlacement {
  /** Name of the task (its `offloadable` name). */
  taskName?: string;
  /** Id of the task, stable across retries and failover. */
  taskId?: string;
  /** Backend that ran (or was about to run) the last attempt: `local`, `lambda`, `gcf`, or a custom name. */
  backend?: string;
  /** How many attempts were made, the failing one included. */
  attempts?: number;
}

/** Options shared by every {@link OffloadError} constructor. */
export interface OffloadErrorOptions extends TaskPlacement {
  /** Overrides the class's default code. */
  code?: OffloadErrorCode;
  /** Overrides the class's default retryability. */
  retryable?: boolean;
  /** The underlying error or value. */
  cause?: unknown;
}

/** Base class of every error spillway produces: the one error root. */
export class OffloadError extends Error {
  /** Stable, machine-readable code, for example `ERR_VALIDATION` (a `TaskError` may carry the task's own code; see {@link OffloadErrorCode}). */
  readonly code: OffloadErrorCode;
  /** True when the same task could succeed if tried again (on this or another backend). */
  readonly retryable: boolean;
  /** Name of the task, when the error concerns one. */
  declare taskName?: string;
  /** Id of the task, when the error concerns one. */
  declare taskId?: string;
  /** Backend that ran or was about to run the task. */
  declare backend?: string;
  /** Attempts made, the failing one included. */
  declare attempts?: number;

  constructor(message: string, defaults: { code: OffloadErrorCode; retryable: boolean }, options: OffloadErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? defaults.code;
    this.retryable = options.retryable ?? defaults.retryable;
    Object.defineProperty(this, BRAND, { value: true });
    placeError(this, options);
  }
}

/** Copies the defined placement fields onto an error (used once a task's placement is known). */
export function placeError<E extends OffloadError>(error: E, placement: TaskPlacement): E {
  if (placement.taskName !== undefined) error.taskName = placement.taskName;
  if (placement.taskId !== undefined) error.taskId = placement.taskId;
  if (placement.backend !== undefined) error.backend = placement.backend;
  if (placement.attempts !== undefined) error.attempts = placement.attempts;
  return error;
}

/**
 * True when `value` is an error produced by any installed copy of spillway.
 * Pass `code` to also check the code, e.g. `isOffloadError(e, 'ERR_TIMEOUT')`.
 */
export function isOffloadError(value: unknown, code?: OffloadErrorCode | (string & {})): value is OffloadError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as OffloadError).code === code;
}

/** Options, task input or task output did not match what was expected. Not retryable. */
export class ValidationError extends OffloadError {
  /** Dotted path of the offending value, such as `input.items[3].rounds` or `local.maxWorkers`. */
  readonly path?: string;
  constructor(message: string, options: OffloadErrorOptions & { path?: string } = {}) {
    super(message, { code: 'ERR_VALIDATION', retryable: false }, options);
    if (options.path !== undefined) this.path = options.path;
  }
}

/** A value cannot cross a thread or network boundary (function, symbol, cycle, class instance). Not retryable. */
export class SerializationError extends OffloadError {
  /** Path of the value that cannot be serialized, such as `input.items[3].cb`. */
  readonly path: string;
  constructor(message: string, options: OffloadErrorOptions & { path: string }) {
    super(message, { code: 'ERR_SERIALIZATION', retryable: false }, options);
    this.path = options.path;
  }
}

/** An encoded payload exceeds what a backend accepts. Not retryable on that backend. */
export class PayloadTooLargeError extends OffloadError {
  /** Size of the encoded payload. */
  readonly sizeBytes: number;
  /** The backend's limit. */
  readonly limitBytes: number;
  constructor(message: string, options: OffloadErrorOptions & { sizeBytes: number; limitBytes: number }) {
    super(message, { code: 'ERR_PAYLOAD_TOO_LARGE', retryable: false }, options);
    this.sizeBytes = options.sizeBytes;
    this.limitBytes = options.limitBytes;
  }
}

/**
 * A payload travelling by reference (a payload store) could not be moved:
 * uploading or downloading an object failed, or the function's request to a
 * presigned or signed URL was refused. `ERR_PAYLOAD_URL_EXPIRED` (not
 * retryable: a new attempt gets URLs with the same lifetime) when the URL
 * had expired; `ERR_PAYLOAD_TRANSFER` (retryable) otherwise.
 */
export class PayloadTransferError extends OffloadError {
  /** HTTP status of the refused request, when there was one. */
  readonly status?: number;
  constructor(message: string, options: OffloadErrorOptions & { status?: number } = {}) {
    super(message, { code: 'ERR_PAYLOAD_TRANSFER', retryable: options.code !== 'ERR_PAYLOAD_URL_EXPIRED' }, options);
    if (options.status !== undefined) this.status = options.status;
  }
}

/**
 * The task itself threw. The original error's `name`, `message`, `stack`,
 * `code`, `cause` and own enumerable fields are copied onto this error, so
 * `err.name` is the original class name (for example `QuotaError`) and a
 * custom field such as `err.quota` reads as it did where the task ran.
 */
export class TaskError extends OffloadError {
  /** `options.code` is the task's own error code when the thrown error had one (any string), else `ERR_TASK`. */
  constructor(message: string, options: Omit<OffloadErrorOptions, 'code'> & { code?: OffloadErrorCode | (string & {}) } = {}) {
    super(message, { code: 'ERR_TASK', retryable: false }, options as OffloadErrorOptions);
  }
}

/** An attempt ran longer than its `timeoutMs`; a local attempt's worker was terminated. */
export class TimeoutError extends OffloadError {
  /** The limit that was exceeded. */
  readonly timeoutMs: number;
  constructor(message: string, options: OffloadErrorOptions & { timeoutMs: number }) {
    super(message, { code: 'ERR_TIMEOUT', retryable: false }, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** The task was cancelled: its `signal` aborted, or the offloader was destroyed. */
export class AbortError extends OffloadError {
  constructor(message: string, options: OffloadErrorOptions = {}) {
    super(message, { code: 'ERR_ABORTED', retryable: false }, options);
  }
}

/** No room for the task: a queue is full, a backend throttled, or the offloader is closed. */
export class CapacityError extends OffloadError {
  constructor(message: string, options: OffloadErrorOptions = {}) {
    super(message, { code: 'ERR_CAPACITY', retryable: true }, options);
  }
}

/** The backend's circuit breaker is open, so the task was not sent there. */
export class CircuitOpenError extends OffloadError {
  constructor(message: string, options: OffloadErrorOptions = {}) {
    super(message, { code: 'ERR_CIRCUIT_OPEN', retryable: true }, options);
  }
}

/** An infrastructure fault: a worker died, a network call failed, a remote runtime crashed. */
export class BackendError extends OffloadError {
  constructor(message: string, options: OffloadErrorOptions = {}) {
    super(message, { code: 'ERR_BACKEND', retryable: true }, options);
  }
}

/** The remote runs a different build of the task module than the caller. Redeploy the bundle. */
export class StaleBundleError extends OffloadError {
  /** Content hash the caller sent. */
  readonly expectedHash: string;
  /** Content hash the backend runs. */
  readonly actualHash: string;
  constructor(message: string, options: OffloadErrorOptions & { expectedHash: string; actualHash: string }) {
    super(message, { code: 'ERR_STALE_BUNDLE', retryable: false }, options);
    this.expectedHash = options.expectedHash;
    this.actualHash = options.actualHash;
  }
}

/**
 * An optional peer dependency (the AWS SDK, google-auth-library, the
 * Functions Framework, esbuild) is not installed but the feature in use needs
 * it. The message names the feature and the command that installs the peer.
 * Not retryable: install the package and run again.
 */
export class MissingPeerError extends OffloadError {
  /** The package that is missing, e.g. `esbuild`. */
  readonly peer: string;
  /** The command that installs it, e.g. `npm install --save-dev esbuild`. */
  readonly installCommand: string;
  constructor(message: string, options: OffloadErrorOptions & { peer: string; installCommand: string }) {
    super(message, { code: 'ERR_MISSING_PEER', retryable: false }, options);
    this.peer = options.peer;
    this.installCommand = options.installCommand;
  }
}
