/**
 * The HTTP protocol between the `cloudFunctions()` client and the Cloud
 * Functions handler: one POST per attempt, the task envelope as the JSON
 * body, the result envelope as the 200 body, and `{ error: { code, message } }`
 * for every other status. Both sides import these names, so they cannot
 * drift. The client's side of one call ({@link sendEnvelope}, then
 * {@link decodeAnswer}) is here too; `errors.ts` says what a failure means.
 */
import * as z from 'zod';
import { linkSignals } from '../../src/backends/link-signals.js';
import { ResultEnvelope } from '../../src/contract/envelope.js';
import { isOffloadError, placeError } from '../../src/errors.js';
import { describeZodError } from '../../src/zod-issues.js';
import type { RequestAuthorizer } from './auth.js';
import {
  type AnswerContext,
  abortedError,
  answerError,
  authFailedError,
  badResponseError,
  type CallTarget,
  callTimeoutError,
  destroyedError,
  type HttpAnswer,
  networkFaultError,
} from './errors.js';
import { signRequest } from './signing.js';

/** Largest request body Cloud Functions (2nd gen, Cloud Run) accepts: 32 MiB. */
export const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;

/**
 * Content type the client sends the envelope with: JSON under a media type
 * the Functions Framework does not parse itself, so the handler sees the raw
 * bytes and answers a malformed body with its own JSON 400 (a body sent as
 * `application/json` is accepted too, but the framework answers malformed
 * JSON of that type with an HTML 400 before the handler runs).
 */
export const ENVELOPE_CONTENT_TYPE = 'application/vnd.spillway.envelope+json';

/** Content type of every response body. */
const JSON_CONTENT_TYPE = 'application/json';

/** Request header carrying the signing time, in whole seconds since the Unix epoch. */
export const TIMESTAMP_HEADER = 'x-spillway-timestamp';

/** Request header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export const SIGNATURE_HEADER = 'x-spillway-signature';

/** Environment variable the handler reads for the signing secret when no `signingSecret` option is given. */
export const SIGNING_SECRET_ENV = 'SPILLWAY_SIGNING_SECRET';

/** Shortest accepted signing secret, in characters. */
export const MIN_SIGNING_SECRET_LENGTH = 16;

/** `code` of each non-200 answer of the handler. */
export const HandlerErrorCode = {
  /** 400: the body is not JSON, not a `TaskEnvelope`, or its input cannot be decoded. */
  badEnvelope: 'ERR_BAD_ENVELOPE',
  /** 401: signing is on and the request is unsigned, wrongly signed or too old. */
  unauthorized: 'ERR_UNAUTHORIZED',
  /** 401: signing is on and this instance already accepted a request with this signature (a replay). */
  replayed: 'ERR_REPLAYED',
  /** 405: the request is not a POST. */
  methodNotAllowed: 'ERR_METHOD_NOT_ALLOWED',
  /** 409: the envelope's `bundleHash` is not the deployed module's. */
  staleBundle: 'ERR_STALE_BUNDLE',
  /** 413: the body is larger than the handler's `maxBodyBytes`. */
  payloadTooLarge: 'ERR_PAYLOAD_TOO_LARGE',
  /** 500: the task module could not be loaded. */
  taskModule: 'ERR_TASK_MODULE',
  /** 500: the handler itself failed (a bug; the body says what happened). */
  internal: 'ERR_HANDLER',
} as const;

/** The body of every non-200 answer of the handler. Fields besides `code` and `message` depend on the status. */
export interface ErrorBody {
  error: {
    /** One of {@link HandlerErrorCode}. */
    code: string;
    /** What went wrong and how to fix it. */
    message: string;
    /** 409 only: the bundle hash the caller sent. */
    expectedHash?: string;
    /** 409 only: the bundle hash the function runs. */
    actualHash?: string;
    /** 413 only: the size of the refused body. */
    sizeBytes?: number;
    /** 413 only: the handler's limit. */
    limitBytes?: number;
    /** 400 only, when known: the path of the value that could not be decoded, such as `input[0]`. */
    path?: string;
  };
}

/** Schema of {@link ErrorBody}, lenient about extra fields (other proxies may add some). */
const ErrorBodySchema = z.object({
  error: z.looseObject({
    code: z.string().optional(),
    message: z.string(),
    expectedHash: z.string().optional(),
    actualHash: z.string().optional(),
    sizeBytes: z.number().optional(),
    limitBytes: z.number().optional(),
    path: z.string().optional(),
  }),
});

/** What one call needs to know. */
export interface SendOptions extends CallTarget {
  /** The function's URL. */
  url: string;
  /** The encoded envelope. */
  body: string;
  /** Client-side limit of the call. */
  timeoutMs: number;
  /** Resolves with the authorization headers of the call. */
  authorize: RequestAuthorizer;
  /** Signs the body when set. */
  signingSecret?: string;
  /** The attempt's W3C trace headers (`traceparent`, `tracestate`), sent as HTTP headers too. */
  traceHeaders?: Readonly<Record<string, string>>;
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** Aborts when the backend is destroyed. */
  destroyed: AbortSignal;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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

/**
 * POSTs one encoded envelope under the client-side timeout and the caller's
 * signal, and reads the whole answer; rejects with an `OffloadError` (see
 * `errors.ts`) when no answer arrives.
 */
export async function sendEnvelope(options: SendOptions): Promise<HttpAnswer> {
  const { url, body, timeoutMs } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  const { signal, unlink } = linkSignals(timeout, options.destroyed, options.signal);
  const interrupted = (cause: unknown) => {
    if (options.signal?.aborted) return abortedError(options, options.signal.reason);
    if (options.destroyed.aborted) return destroyedError(options, cause);
    return timeout.aborted ? callTimeoutError(options, timeoutMs, cause) : undefined;
  };
  try {
    let authHeaders: Record<string, string>;
    try {
      authHeaders = await untilAborted(options.authorize({ url, signal }), signal);
    } catch (error) {
      // A missing google-auth-library says so as it is: its message names the install command.
      throw interrupted(error) ?? (isOffloadError(error, 'ERR_MISSING_PEER') ? placeError(error, options.placement) : authFailedError(options, error));
    }
    const headers: Record<string, string> = {
      ...options.traceHeaders,
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
      throw interrupted(error) ?? networkFaultError(options, error);
    }
  } finally {
    unlink();
  }
}

/**
 * Returns the result envelope of a 200 answer for the task `envelopeId`;
 * throws the matching `OffloadError` for every other answer.
 */
export function decodeAnswer(answer: HttpAnswer, context: AnswerContext & { envelopeId: string }): ResultEnvelope {
  const json = parseJson(answer.body);
  if (answer.status !== 200) {
    const body = ErrorBodySchema.safeParse(json);
    throw answerError(answer, body.success ? { ...body.data.error, code: body.data.error.code ?? '' } : undefined, context);
  }
  const parsed = ResultEnvelope.safeParse(json, { reportInput: true });
  if (!parsed.success) throw badResponseError(context, `a body that is not a spillway result envelope (${describeZodError('result', parsed.error)})`);
  if (parsed.data.id !== context.envelopeId) {
    throw badResponseError(context, `the result of another task (id ${JSON.stringify(parsed.data.id)} instead of ${JSON.stringify(context.envelopeId)})`);
  }
  return parsed.data;
}
