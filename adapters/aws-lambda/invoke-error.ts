/**
 * The infrastructure error of the Lambda backend: a `BackendError` that
 * also says which function answered what, and carries the tail of the
 * function's log when Lambda sent one.
 */
import { BackendError, type OffloadErrorOptions } from '../../src/errors.js';

/** What the Lambda backend knows about a failed invocation. */
export interface LambdaInvokeErrorDetails {
  /** Function name or ARN that was invoked. */
  functionName: string;
  /** Version or alias that was invoked, if any. */
  qualifier?: string;
  /** HTTP status of Lambda's answer, when there was one. */
  statusCode?: number;
  /** Lambda's request id, for support cases and CloudWatch searches. */
  requestId?: string;
  /** `FunctionError` of the answer (`Unhandled` or `Handled`), when the function itself failed. */
  functionError?: string;
  /** `errorType` of the function's error payload, e.g. `Runtime.ExitError` or `Sandbox.Timedout`. */
  errorType?: string;
  /** The last 4 KB of the invocation's log (Lambda's `LogResult`, decoded to text). */
  logTail?: string;
}

/**
 * A `BackendError` of the Lambda backend. `code` says what failed:
 * `ERR_LAMBDA_FUNCTION_ERROR` (the function's runtime failed: timeout,
 * memory, init crash), `ERR_LAMBDA_SERVICE`, `ERR_LAMBDA_NETWORK`,
 * `ERR_LAMBDA_NOT_READY` (retryable), or `ERR_LAMBDA_NOT_FOUND`,
 * `ERR_LAMBDA_ACCESS_DENIED`, `ERR_LAMBDA_CONFIGURATION`,
 * `ERR_LAMBDA_BAD_REQUEST`, `ERR_LAMBDA_BAD_RESPONSE`, `ERR_LAMBDA_INVOKE`
 * (not retryable).
 */
export class LambdaInvokeError extends BackendError {
  /** Function name or ARN that was invoked. */
  readonly functionName: string;
  /** Version or alias that was invoked, if any. */
  declare readonly qualifier?: string;
  /** HTTP status of Lambda's answer, when there was one. */
  declare readonly statusCode?: number;
  /** Lambda's request id. */
  declare readonly requestId?: string;
  /** `FunctionError` of the answer, when the function itself failed. */
  declare readonly functionError?: string;
  /** `errorType` of the function's error payload. */
  declare readonly errorType?: string;
  /** The last 4 KB of the invocation's log, as text. */
  declare readonly logTail?: string;

  constructor(message: string, details: LambdaInvokeErrorDetails, options: OffloadErrorOptions & { code: string; retryable: boolean }) {
    super(message, options);
    this.functionName = details.functionName;
    for (const key of ['qualifier', 'statusCode', 'requestId', 'functionError', 'errorType', 'logTail'] as const) {
      if (details[key] !== undefined) Object.defineProperty(this, key, { value: details[key], enumerable: true });
    }
  }
}
