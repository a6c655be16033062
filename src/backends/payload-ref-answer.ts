/**
 * How a handler answers an envelope whose payloads travel by reference: an
 * output within `outputOverBytes` inline (binary leaves as base64), a larger
 * one PUT to `outputUrl` (a binary frame of raw bytes when the caller reads
 * frames), a failure larger than that PUT as JSON, and anything over the
 * store's `maxOutputBytes` refused with `PayloadTooLargeError`.
 */
import { frameChunks, inlineBinary, inlineSizeOf } from '../contract/binary-frame.js';
import { ENVELOPE_VERSION, type PayloadRef, type ResultEnvelope } from '../contract/envelope.js';
import { encodeError } from '../contract/error-codec.js';
import { PayloadTooLargeError } from '../errors.js';
import { type UploadBody, uploadPayload } from './url-transfer.js';

/** A string field of an envelope, or `''`. */
export function field(event: unknown, key: 'id' | 'task'): string {
  const value = (event as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : '';
}

const TEXT_TYPE = 'text/plain; charset=utf-8';

/** `text` as an upload body (sent as UTF-8). */
function textBody(text: string): UploadBody {
  return { chunks: [text], sizeBytes: Buffer.byteLength(text), contentType: TEXT_TYPE };
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
  await uploadPayload(ref.outputUrl, textBody(json), { what: 'output', taskName });
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
  // A frame goes out as its chunks: the parts are sent from the task's own buffers, never copied into one.
  const body = views === undefined ? textBody(text) : { ...frameChunks(text, views), contentType: 'application/octet-stream' };
  const { sizeBytes } = body;
  if (ref.maxOutputBytes !== undefined && sizeBytes > ref.maxOutputBytes) return tooLarge(result, 'output', sizeBytes, ref.maxOutputBytes, taskName);
  await uploadPayload(ref.outputUrl, body, { what: 'output', taskName });
  return { ...answer, output: '', outputByReference: true };
}
