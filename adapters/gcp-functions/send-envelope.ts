/**
 * One HTTP call: POST the encoded envelope to the function under a
 * client-side timeout and the caller's signal, and read the whole answer.
 * Every way the call itself can fail (cancelled, timed out, auth failed, no
 * connection, connection lost) becomes one `OffloadError` here; what the
 * answer means is `response-mapping.ts`'s job.
 */
import { AbortError, BackendError, type OffloadError, type TaskPlacement } from '../../src/errors.js';
import type { RequestAuthorizer } from './auth.js';
import { ENVELOPE_CONTENT_TYPE, JSON_CONTENT_TYPE } from './protocol.js';
import { signRequest } from './signing.js';

/** The function's answer, read in full. */
export interface HttpAnswer {
  /** HTTP status code. */
  status: number;
  /** The whole body, as text. */
  body: string;
  /** The `retry-after` header, if any. */
  retryAfter: string | null;
}

/** What one call needs to know. */
export interface SendOptions {
  /** The function's URL. */
  url: string;
  /** Where errors say the call went, without query or credentials. */
  displayUrl: string;
  /** The encoded envelope. */
  body: string;
  /** Client-side limit of the call. */
  timeoutMs: number;
  /** Resolves with the authorization headers of the call. */
  authorize: RequestAuthorizer;
  /** Signs the body when set. */
  signingSecret?: string;
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** Aborts when the backend is destroyed. */
  destroyed: AbortSignal;
  /** Attached to every error. */
  placement: TaskPlacement;
}

/** Error codes of a connection that could not be made at all. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Sends one envelope and reads the answer; rejects with an `OffloadError` when no answer arrives. */
export async function sendEnvelope(options: SendOptions): Promise<HttpAnswer> {
  const { url, displayUrl, body, timeoutMs, placement } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any(options.signal === undefined ? [timeout, options.destroyed] : [timeout, options.destroyed, options.signal]);
  const backend = placement.backend ?? 'gcf';

  function interrupted(cause: unknown): OffloadError | undefined {
    if (options.signal?.aborted) return new AbortError(`Task "${placement.taskName}" was aborted`, { ...placement, cause: options.signal.reason });
    if (options.destroyed.aborted)
      return new AbortError(`The ${backend} backend was destroyed before task "${placement.taskName}" finished`, { ...placement, cause });
    if (timeout.aborted) {
      return new BackendError(
        `No answer from the ${backend} backend at ${displayUrl} within ${timeoutMs} ms (its client-side timeoutMs): the function may be overloaded or starting; raise \`timeoutMs\` if tasks need longer`,
        { ...placement, code: 'ERR_BACKEND_TIMEOUT', retryable: true, cause },
      );
    }
    return undefined;
  }

  let authHeaders: Record<string, string>;
  try {
    authHeaders = await untilAborted(options.authorize({ url, signal }), signal);
  } catch (error) {
    throw (
      interrupted(error) ??
      new BackendError(
        `Cannot authorize the request to the ${backend} backend at ${displayUrl}: ${(error as Error)?.message ?? String(error)}. With auth 'google-id-token', run where Application Default Credentials can mint ID tokens (a service account on Google Cloud, or GOOGLE_APPLICATION_CREDENTIALS naming a service-account key), or pass \`auth\``,
        { ...placement, code: 'ERR_BACKEND_AUTH', retryable: false, cause: error },
      )
    );
  }

  const headers: Record<string, string> = {
    ...authHeaders,
    'content-type': ENVELOPE_CONTENT_TYPE,
    accept: JSON_CONTENT_TYPE,
    ...(options.signingSecret === undefined ? {} : signRequest(body, options.signingSecret)),
  };
  try {
    // 'manual': a signed body and its credentials never follow a redirect elsewhere.
    const response = await fetch(url, { method: 'POST', body, headers, signal, redirect: 'manual' });
    return { status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    const stopped = interrupted(error);
    if (stopped !== undefined) throw stopped;
    const code = networkCode(error) ?? 'no error code';
    const detail = `${(error as Error)?.message ?? String(error)} (${code})`;
    if (UNREACHABLE_CODES.has(code)) {
      throw new BackendError(`Cannot reach the ${backend} backend at ${displayUrl}: ${detail}. Check \`url\` and that the function is deployed`, {
        ...placement,
        code: 'ERR_BACKEND_UNREACHABLE',
        retryable: true,
        cause: error,
      });
    }
    throw new BackendError(`The connection to the ${backend} backend at ${displayUrl} failed before an answer arrived: ${detail}`, {
      ...placement,
      code: 'ERR_BACKEND_CONNECTION_LOST',
      retryable: true,
      cause: error,
    });
  }
}
