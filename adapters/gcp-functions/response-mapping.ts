/**
 * What the function's answer means: 200 carries the result envelope (task
 * errors included, as `ok: false`); every other status is a fault of the
 * call, turned into the matching `OffloadError` (see the protocol table in
 * `index.ts`).
 */
import { ResultEnvelope } from '../../src/contract/envelope.js';
import { BackendError, CapacityError, type OffloadError, PayloadTooLargeError, StaleBundleError, type TaskPlacement } from '../../src/errors.js';
import { describeZodError } from '../../src/zod-issues.js';
import { type ErrorBody, ErrorBodySchema } from './protocol.js';
import type { HttpAnswer } from './send-envelope.js';

/** What the mapping needs to know about the call. */
export interface MappingContext {
  /** Id of the envelope sent; the result must carry it. */
  envelopeId: string;
  /** Bundle hash sent, for a 409 without one. */
  bundleHash: string;
  /** Where errors say the call went. */
  displayUrl: string;
  /** Size of the body sent, for a 413 without one. */
  sizeBytes: number;
  /** The client's limit, for a 413 without the server's. */
  limitBytes: number;
  /** Attached to every error. */
  placement: TaskPlacement;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorBodyOf(text: string): ErrorBody['error'] | undefined {
  const parsed = ErrorBodySchema.safeParse(parseJson(text));
  return parsed.success ? { code: parsed.data.error.code ?? '', ...parsed.data.error } : undefined;
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

/**
 * Returns the result envelope of a 200 answer; throws the matching
 * `OffloadError` for every other answer.
 */
export function mapHttpAnswer(answer: HttpAnswer, context: MappingContext): ResultEnvelope {
  const { placement, displayUrl } = context;
  const backend = placement.backend ?? 'gcf';
  const { status } = answer;
  if (status === 200) {
    const parsed = ResultEnvelope.safeParse(parseJson(answer.body), { reportInput: true });
    let problem: string | undefined;
    if (!parsed.success) problem = `a body that is not a spillway result envelope (${describeZodError('result', parsed.error)})`;
    else if (parsed.data.id !== context.envelopeId)
      problem = `the result of another task (id ${JSON.stringify(parsed.data.id)} instead of ${JSON.stringify(context.envelopeId)})`;
    if (problem === undefined && parsed.success) return parsed.data;
    throw new BackendError(
      `The ${backend} backend at ${displayUrl} answered 200 with ${problem}: check that \`url\` points at a spillway function built from the same spillway version`,
      { ...placement, code: 'ERR_BACKEND_BAD_RESPONSE', retryable: false },
    );
  }
  const error = errorBodyOf(answer.body);
  const message = serverMessage(answer, error);
  let failure: OffloadError;
  if (status === 409) {
    failure = new StaleBundleError(message, { ...placement, expectedHash: error?.expectedHash ?? context.bundleHash, actualHash: error?.actualHash ?? '' });
  } else if (status === 413) {
    failure = new PayloadTooLargeError(`The ${backend} backend refused the task envelope as too large (HTTP 413): ${message}`, {
      ...placement,
      sizeBytes: error?.sizeBytes ?? context.sizeBytes,
      limitBytes: error?.limitBytes ?? context.limitBytes,
    });
  } else if (status === 429) {
    const retryAfter = answer.retryAfter === null ? '' : `, retry after ${answer.retryAfter}`;
    failure = new CapacityError(`The ${backend} backend at ${displayUrl} is throttling requests (HTTP 429${retryAfter}): ${message}`, {
      ...placement,
      code: 'ERR_BACKEND_THROTTLED',
      retryable: true,
    });
  } else {
    failure = new BackendError(`The ${backend} backend at ${displayUrl} answered HTTP ${status}: ${message}${hint(status)}`, {
      ...placement,
      code: `ERR_BACKEND_HTTP_${status}`,
      retryable: status >= 500,
    });
  }
  throw failure;
}
