/**
 * How a handler answers an envelope whose payloads travel by reference: an
 * output within `outputOverBytes` inline (binary leaves as base64), a larger
 * one PUT to `outputUrl` (a binary frame of raw bytes when the caller reads
 * frames), a failure larger than that PUT as JSON, and anything over the
 * store's `maxOutputBytes` refused with `PayloadTooLargeError`.
 */
import { encodeFrame, frameSizeOf, inlineBinary, inlineSizeOf } from '../contract/binary-frame.js';
import { ENVELOPE_VERSION, type PayloadRef, type ResultEnvelope } from '../contract/envelope.js';
import { encodeError } from '../contract/error-codec.js';
import { PayloadTooLargeError, PayloadTransferError } from '../errors.js';

/** A string field of an envelope, or `''`. */
export function field(event: unknown, key: 'id' | 'task'): string {
  const value = (event as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : '';
}

/** The URL without its query (the signature), for messages. */
function withoutQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

/** The typed error of a storage URL's refusal: expired, or refused for another reason. */
export async function refused(response: Response, what: string, url: string, taskName: string): Promise<PayloadTransferError> {
  const body = await response.text().catch(() => '');
  // S3 answers 403 "Request has expired", GCS 400 "ExpiredToken".
  const expired = /expired/i.test(body);
  const message = expired
    ? `The ${what} URL of task "${taskName}" had expired (${withoutQuery(url)}, HTTP ${response.status}): the attempt outlived its deadline plus the payload store's \`urlExpiryMarginMs\`. Raise \`urlExpiryMarginMs\`, or set a \`timeoutMs\` that covers queueing and cold starts`
    : `The ${what} URL of task "${taskName}" was refused (${withoutQuery(url)}, HTTP ${response.status}): ${body.slice(0, 300)}`;
  return new PayloadTransferError(message, { code: expired ? 'ERR_PAYLOAD_URL_EXPIRED' : 'ERR_PAYLOAD_TRANSFER', status: response.status, taskName });
}

async function upload(url: string, body: string | Uint8Array, taskName: string): Promise<void> {
  const response = await fetch(url, { method: 'PUT', body });
  if (!response.ok) throw await refused(response, 'output', url, taskName);
  await response.body?.cancel();
}

function tooLarge(result: ResultEnvelope, what: string, sizeBytes: number, limitBytes: number, taskName: string): ResultEnvelope {
  const error = new PayloadTooLargeError(
    `The ${what} of task "${taskName}" is ${sizeBytes} bytes encoded, over the ${limitBytes} bytes of the payload store's \`maxObjectBytes\`; it was not uploaded. Raise \`maxObjectBytes\` or return a smaller value (for example the key of an object the task wrote)`,
    { sizeBytes, limitBytes, taskName },
  );
  return { version: ENVELOPE_VERSION, id: result.id, ok: false, kind: 'payload-too-large', error: encodeError(error), durationMs: result.durationMs };
}

/** A failure whose JSON is over `outputOverBytes`: uploaded whole, answered with its name, code and the start of its message. */
async function failureByReference(result: ResultEnvelope & { ok: false }, ref: PayloadRef, taskName: string): Promise<ResultEnvelope> {
  const { error, logs } = result;
  const json = JSON.stringify({ error, ...(logs === undefined ? {} : { logs }) });
  const sizeBytes = Buffer.byteLength(json);
  if (sizeBytes <= ref.outputOverBytes) return result;
  const standIn = { name: error.name, message: error.message.slice(0, 4096), ...(error.code === undefined ? {} : { code: error.code }) };
  const { version, id, kind, durationMs } = result;
  if (ref.maxOutputBytes !== undefined && sizeBytes > ref.maxOutputBytes) return { version, id, ok: false, kind, error: standIn, durationMs };
  await upload(ref.outputUrl, json, taskName);
  return { version, id, ok: false, kind, error: standIn, durationMs, errorByReference: true };
}

/**
 * The answer to an envelope carrying `ref`, given the runtime's `result`
 * (run with `binaryOutput` when the caller reads frames).
 * @throws {PayloadTransferError} when the upload was refused.
 */
export async function answerByReference(result: ResultEnvelope, ref: PayloadRef, taskName: string): Promise<ResultEnvelope> {
  if (!result.ok) return failureByReference(result, ref, taskName);
  const { binary, ...answer } = result;
  const views = binary?.views;
  const text = result.output;
  if ((views === undefined ? Buffer.byteLength(text) : inlineSizeOf(text, views)) <= ref.outputOverBytes) {
    return views === undefined ? result : { ...answer, output: inlineBinary(text, views) };
  }
  const sizeBytes = views === undefined ? Buffer.byteLength(text) : frameSizeOf(text, views);
  if (ref.maxOutputBytes !== undefined && sizeBytes > ref.maxOutputBytes) return tooLarge(result, 'output', sizeBytes, ref.maxOutputBytes, taskName);
  await upload(ref.outputUrl, views === undefined ? text : encodeFrame(text, views), taskName);
  return { ...answer, output: '', outputByReference: true };
}
