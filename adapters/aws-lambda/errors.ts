/**
 * The errors of the Lambda backend: {@link LambdaInvokeError}, a
 * `BackendError` that says which function answered what (with the tail of
 * its log when Lambda sent one), and one classification of what
 * `LambdaClient.send` can throw. Throttling is a retryable `CapacityError`
 * (`ERR_BACKEND_THROTTLED`, the exception name in `providerCode`); transient
 * service faults, functions that are not ready yet and network failures are
 * retryable `BackendError`s; the faults only a person can fix (missing
 * function, missing permission, broken function configuration, a refused
 * request) are not retryable, and their messages say what to fix.
 */
import { networkCode, networkFaultCode } from '../../src/backends/network-code.js';
import { throttledError } from '../../src/backends/throttled-error.js';
import { BackendError, type OffloadError, type OffloadErrorCode, type OffloadErrorOptions, PayloadTooLargeError } from '../../src/errors.js';
import type { InvocationTarget } from './protocol.js';

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
 * memory, init crash), `ERR_LAMBDA_SERVICE`, `ERR_BACKEND_UNREACHABLE` (no
 * connection to the Lambda endpoint was made), `ERR_BACKEND_NETWORK` (the
 * connection failed or broke), `ERR_LAMBDA_NOT_READY` (retryable), or `ERR_LAMBDA_NOT_FOUND`,
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

/** Facts about the invocation that the messages mention. */
export interface FailureContext extends InvocationTarget {
  /** Region the client sends to, when known. */
  region?: string;
  /** Size of the request payload. */
  sizeBytes: number;
  /** The backend's payload limit. */
  limitBytes: number;
}

/** Throttling, by the exception names AWS uses. */
const THROTTLING = new Set([
  'TooManyRequestsException',
  'EC2ThrottledException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
]);

/** The function exists but cannot run yet: it is being created or updated, or is inactive and being restored. */
const NOT_READY = new Set(['ResourceConflictException', 'ResourceNotReadyException', 'SnapStartNotReadyException', 'ENINotReadyException']);

/** Server faults that come from the function's configuration: retrying does not help until someone fixes it. */
const CONFIGURATION = new Set([
  'EC2AccessDeniedException',
  'ENILimitReachedException',
  'InvalidRuntimeException',
  'InvalidSecurityGroupIDException',
  'InvalidSubnetIDException',
  'InvalidZipFileException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'SubnetIPAddressLimitReachedException',
  'EFSIOException',
  'EFSMountConnectivityException',
  'EFSMountFailureException',
  'EFSMountTimeoutException',
  'SnapStartException',
  'SnapStartTimeoutException',
  'SnapStartRegenerationFailureException',
  'CodeArtifactUserDeletedException',
  'CodeArtifactUserFailedException',
  'CodeArtifactUserPendingException',
]);

/** The caller may not invoke the function, or its credentials are missing, invalid or expired. */
const ACCESS = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
]);

/** Lambda refused the request itself (not the function): a bad qualifier, body or header. */
const BAD_REQUEST = new Set(['InvalidRequestContentException', 'InvalidParameterValueException', 'UnsupportedMediaTypeException']);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  retryAfterSeconds?: unknown;
  Reason?: unknown;
}

function describeError(name: string, message: string): string {
  return message === '' || message === name ? name : `${name}: ${message}`;
}

/** Maps an error thrown by `LambdaClient.send` (not an abort) to the spillway error a caller receives. */
export function classifyInvokeFailure(thrown: unknown, context: FailureContext): OffloadError {
  const error = (typeof thrown === 'object' && thrown !== null ? thrown : { message: String(thrown) }) as SdkErrorShape;
  const name = typeof error.name === 'string' ? error.name : 'Error';
  const message = typeof error.message === 'string' ? error.message : String(thrown);
  const statusCode = error.$metadata?.httpStatusCode;
  const requestId = error.$metadata?.requestId;
  const what = describeError(name, message);
  const target = `"${context.functionName}${context.qualifier === undefined ? '' : `:${context.qualifier}`}"`;
  const placement = { taskName: context.taskName, taskId: context.taskId, backend: context.backend, cause: thrown };
  const make = (code: OffloadErrorCode, retryable: boolean, text: string): LambdaInvokeError =>
    new LambdaInvokeError(
      text,
      {
        functionName: context.functionName,
        ...(context.qualifier === undefined ? {} : { qualifier: context.qualifier }),
        ...(statusCode === undefined ? {} : { statusCode }),
        ...(requestId === undefined ? {} : { requestId }),
      },
      { ...placement, code, retryable },
    );

  if (THROTTLING.has(name) || statusCode === 429) {
    const retryAfter =
      typeof error.retryAfterSeconds === 'string' || typeof error.retryAfterSeconds === 'number' ? ` (retry after ${error.retryAfterSeconds} s)` : '';
    const reason = typeof error.Reason === 'string' ? ` [${error.Reason}]` : '';
    return throttledError(
      `Lambda throttled the invocation of ${target}${retryAfter}: ${what}${reason}. The function's reserved concurrency or the account's concurrency quota is used up; lower \`maxConcurrency\` of lambda(), or raise the function's reserved concurrency or the account's quota`,
      THROTTLING.has(name) ? name : `HTTP ${statusCode}`,
      placement,
    );
  }
  if (NOT_READY.has(name)) {
    return make(
      'ERR_LAMBDA_NOT_READY',
      true,
      `The Lambda function ${target} cannot run yet (${what}): it is being created or updated, or is inactive and being restored. Retry shortly; if it persists, check the function's state in the Lambda console`,
    );
  }
  if (CONFIGURATION.has(name)) {
    return make(
      'ERR_LAMBDA_CONFIGURATION',
      false,
      `The Lambda function ${target} cannot start because of its configuration (${what}). Fix the function's VPC, KMS, EFS, runtime or package settings and redeploy it (spillway deploy lambda)`,
    );
  }
  if (name === 'RequestTooLargeException' || name === 'SerializedRequestEntityTooLargeException' || statusCode === 413) {
    return new PayloadTooLargeError(
      `Lambda refused the envelope of task "${context.taskName}" (${context.sizeBytes} bytes) as too large (${what}). Pass a smaller input, or run this task with placement: 'local'`,
      { ...placement, sizeBytes: context.sizeBytes, limitBytes: context.limitBytes },
    );
  }
  if (statusCode !== undefined && statusCode >= 500) {
    return make('ERR_LAMBDA_SERVICE', true, `The Lambda service failed to invoke ${target} (HTTP ${statusCode}, ${what}); this is usually transient`);
  }
  if (name === 'ResourceNotFoundException' || statusCode === 404) {
    return make(
      'ERR_LAMBDA_NOT_FOUND',
      false,
      `The Lambda function ${target} does not exist in ${context.region === undefined ? "the client's region" : `region ${context.region}`} (${what}). Check \`functionName\`, \`qualifier\` and \`region\` of lambda(), or deploy the function (spillway deploy lambda)`,
    );
  }
  if (ACCESS.has(name) || statusCode === 401 || statusCode === 403) {
    return make(
      'ERR_LAMBDA_ACCESS_DENIED',
      false,
      `Not allowed to invoke the Lambda function ${target} (${what}). Give the caller's credentials lambda:InvokeFunction on the function (spillway iam-policy prints a policy), and check that the credentials are set and not expired`,
    );
  }
  if (BAD_REQUEST.has(name)) {
    return make(
      'ERR_LAMBDA_BAD_REQUEST',
      false,
      `Lambda refused the request to invoke ${target} (${what}). Check \`qualifier\` (a version number, $LATEST or an alias) and \`functionName\` of lambda()`,
    );
  }
  if (statusCode !== undefined && statusCode >= 400) {
    return make(
      'ERR_LAMBDA_BAD_REQUEST',
      false,
      `Lambda refused to invoke ${target} (HTTP ${statusCode}, ${what}); see the AWS Lambda Invoke API errors for the fix`,
    );
  }
  const network = statusCode === undefined ? networkCode(error) : undefined;
  if (network !== undefined) {
    return make(
      networkFaultCode(network),
      true,
      `Could not reach the Lambda endpoint to invoke ${target} (${network}: ${message}). Check the network, the region and the client's endpoint`,
    );
  }
  return make('ERR_LAMBDA_INVOKE', false, `Invoking the Lambda function ${target} failed: ${what}`);
}
