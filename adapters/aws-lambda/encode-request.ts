/**
 * The request side of an invocation: the task envelope as the JSON bytes
 * Lambda passes to the handler as its event, refused before sending when it
 * is over the backend's payload limit.
 */
import type { TaskEnvelope } from '../../src/contract/envelope.js';
import { PayloadTooLargeError } from '../../src/errors.js';

const encoder = new TextEncoder();

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

/**
 * Encodes `envelope` as UTF-8 JSON.
 * @throws {PayloadTooLargeError} when the JSON is over `limitBytes`; nothing is sent then.
 */
export function encodeInvokePayload(envelope: TaskEnvelope, limitBytes: number, backend: string): Uint8Array {
  const json = JSON.stringify(envelope);
  const sizeBytes = Buffer.byteLength(json, 'utf8');
  if (sizeBytes > limitBytes) {
    throw new PayloadTooLargeError(
      `The envelope of task "${envelope.task}" is ${megabytes(sizeBytes)} (${sizeBytes} bytes), over the ${megabytes(limitBytes)} (${limitBytes} bytes) that backend "${backend}" accepts for a synchronous Lambda invocation; it was not sent. Pass a smaller input (for example a key of an object in S3 instead of its content), or run this task with placement: 'local'`,
      { sizeBytes, limitBytes, taskName: envelope.task, taskId: envelope.id, backend },
    );
  }
  return encoder.encode(json);
}
