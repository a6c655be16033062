/**
 * The errors of the Cloud Functions backend: every way one call can fail
 * without a 200 answer, as the `OffloadError` a caller receives. Without an
 * answer: `AbortError` (the caller's signal, or destroy), `ERR_BACKEND_TIMEOUT`
 * (the client-side `timeoutMs`), `ERR_BACKEND_AUTH` (no credentials),
 * `ERR_BACKEND_UNREACHABLE` (no connection was made) or `ERR_BACKEND_NETWORK`
 * (the connection failed or broke). With a non-200 answer: `StaleBundleError`
 * (409), `PayloadTooLargeError` (413), `CapacityError` `ERR_BACKEND_THROTTLED`
 * (429, `providerCode: 'HTTP 429'`), else `BackendError`
 * `ERR_BACKEND_HTTP_<status>` (retryable for 5xx). A 200 that is no result
 * envelope for the sent id is `ERR_BACKEND_BAD_RESPONSE`.
 */
import { networkCode, networkFaultCode } from '../../src/backends/network-code.js';
import { throttledError } from '../../src/backends/throttled-error.js';
import { AbortError, BackendError, type OffloadError, PayloadTooLargeError, StaleBundleError, type TaskPlacement } from '../../src/errors.js';
import type { ErrorBody } from './protocol.js';

/** Where a call went, for every error of it. */
export interface CallTarget {
  /** The function's URL without query or credentials. */
  displayUrl: string;
  /** Attached to every error. */
  placement: TaskPlacement;
}

/** What the mapping of a non-200 answer needs to know about the call. */
export interface AnswerContext extends CallTarget {
  /** Bundle hash sent, for a 409 without one. */
  bundleHash: string;
  /** Size of the body sent, for a 413 without one. */
  sizeBytes: number;
  /** The client's limit, for a 413 without the server's. */
  limitBytes: number;
}

/** The function's answer, read in full. */
export interface HttpAnswer {
  /** HTTP status code. */
  status: number;
  /** The whole body, as text. */
  body: string;
  /** The `retry-after` header, if any. */
  retryAfter: string | null;
}

function backendOf(target: CallTarget): string {
  return target.placement.backend ?? 'gcf';
}

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/** The caller's signal aborted the call. */
export function abortedError(target: CallTarget, reason: unknown): AbortError {
  return new AbortError(`Task "${target.placement.taskName}" was aborted`, { ...target.placement, cause: reason });
}

/** The backend was destroyed while the call was in flight. */
export function destroyedError(target: CallTarget, cause: unknown): AbortError {
  return new AbortError(`The ${backendOf(target)} backend was destroyed before task "${target.placement.taskName}" finished`, { ...target.placement, cause });
}

/** No answer within the client-side `timeoutMs`. */
export function callTimeoutError(target: CallTarget, timeoutMs: number, cause: unknown): BackendError {
  return new BackendError(
    `No answer from the ${backendOf(target)} backend at ${target.displayUrl} within ${timeoutMs} ms (its client-side timeoutMs): the function may be overloaded or starting; raise \`timeoutMs\` if tasks need longer`,
    { ...target.placement, code: 'ERR_BACKEND_TIMEOUT', retryable: true, cause },
  );
}

/** The `auth` option could not produce headers. */
export function authFailedError(target: CallTarget, cause: unknown): BackendError {
  return new BackendError(
    `Cannot authorize the request to the ${backendOf(target)} backend at ${target.displayUrl}: ${messageOf(cause)}. With auth 'google-id-token', run where Application Default Credentials can mint ID tokens (a service account on Google Cloud, or GOOGLE_APPLICATION_CREDENTIALS naming a service-account key), or pass \`auth\``,
    { ...target.placement, code: 'ERR_BACKEND_AUTH', retryable: false, cause },
  );
}

/** `fetch` failed without an answer: no connection was made, or it broke. */
export function networkFaultError(target: CallTarget, cause: unknown): BackendError {
  const network = networkCode(cause);
  const code = networkFaultCode(network);
  const detail = `${messageOf(cause)} (${network ?? 'no error code'})`;
  const message =
    code === 'ERR_BACKEND_UNREACHABLE'
      ? `Cannot reach the ${backendOf(target)} backend at ${target.displayUrl}: ${detail}. Check \`url\` and that the function is deployed`
      : `The connection to the ${backendOf(target)} backend at ${target.displayUrl} failed before an answer arrived: ${detail}`;
  return new BackendError(message, { ...target.placement, code, retryable: true, cause });
}

/** A 200 whose body is not the result envelope of the sent task. */
export function badResponseError(target: CallTarget, problem: string): BackendError {
  return new BackendError(
    `The ${backendOf(target)} backend at ${target.displayUrl} answered 200 with ${problem}: check that \`url\` points at a spillway function built from the same spillway version`,
    { ...target.placement, code: 'ERR_BACKEND_BAD_RESPONSE', retryable: false },
  );
}

/** The server's message: its `{ error: { message } }`, else the start of its body as text. */
function serverMessage(answer: HttpAnswer, error: ErrorBody['error'] | undefined): string {
  if (error !== undefined) return error.message;
  const text = answer.body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return 'the answer has no body';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function hint(status: number): string {
  if (status === 401 || status === 403) {
    return ': check `auth` (the caller needs the Cloud Functions / Cloud Run invoker role) and that `signingSecret` matches the function';
  }
  if (status === 404) return ': check `url`';
  if (status >= 300 && status < 400) return ': set `url` to the address the function answers at (redirects are not followed)';
  return '';
}

/** The error of an answer whose status is not 200; `error` is its `{ error }` body when it has one. */
export function answerError(answer: HttpAnswer, error: ErrorBody['error'] | undefined, context: AnswerContext): OffloadError {
  const { placement, displayUrl } = context;
  const backend = backendOf(context);
  const { status } = answer;
  const message = serverMessage(answer, error);
  if (status === 409) {
    return new StaleBundleError(message, { ...placement, expectedHash: error?.expectedHash ?? context.bundleHash, actualHash: error?.actualHash ?? '' });
  }
  if (status === 413) {
    return new PayloadTooLargeError(`The ${backend} backend refused the task envelope as too large (HTTP 413): ${message}`, {
      ...placement,
      sizeBytes: error?.sizeBytes ?? context.sizeBytes,
      limitBytes: error?.limitBytes ?? context.limitBytes,
    });
  }
  if (status === 429) {
    const retryAfter = answer.retryAfter === null ? '' : `, retry after ${answer.retryAfter}`;
    return throttledError(`The ${backend} backend at ${displayUrl} is throttling requests (HTTP 429${retryAfter}): ${message}`, 'HTTP 429', placement);
  }
  return new BackendError(`The ${backend} backend at ${displayUrl} answered HTTP ${status}: ${message}${hint(status)}`, {
    ...placement,
    code: `ERR_BACKEND_HTTP_${status}`,
    retryable: status >= 500,
  });
}
