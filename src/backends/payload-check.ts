/**
 * The check every remote adapter makes before sending: the envelope as JSON,
 * refused with `PayloadTooLargeError` when it is over the backend's limit,
 * so nothing over the limit leaves the process.
 */
import { inlineBinary } from '../contract/binary-frame.js';
import type { TaskEnvelope } from '../contract/envelope.js';
import { PayloadTooLargeError } from '../errors.js';

/** An envelope ready to send. */
export interface EncodedEnvelope {
  /** The envelope as JSON text. */
  json: string;
  /** Its size in UTF-8 bytes. */
  sizeBytes: number;
}

/** What the message of a refused envelope says. */
export interface PayloadLimit {
  /** Largest accepted size, in bytes. */
  limitBytes: number;
  /** The backend's name. */
  backend: string;
  /** Where the limit comes from, e.g. "a synchronous Lambda invocation" or "maxPayloadBytes". */
  limitSource: string;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

/** `envelope` as a network carries it: binary leaves that travel beside `input` (`binary`) inlined into it as base64. */
function onWire(envelope: TaskEnvelope): TaskEnvelope {
  if (envelope.binary === undefined) return envelope;
  const { binary, ...wire } = envelope;
  return { ...wire, input: inlineBinary(envelope.input, binary.views) };
}

/**
 * Encodes `envelope` as JSON (binary leaves beside `input`, if any, inlined
 * into it as base64) and measures it.
 * @throws {PayloadTooLargeError} when it is over `limit.limitBytes`; nothing is sent then.
 */
export function encodeWithinLimit(envelope: TaskEnvelope, limit: PayloadLimit): EncodedEnvelope {
  const json = JSON.stringify(onWire(envelope));
  const sizeBytes = Buffer.byteLength(json, 'utf8');
  const { limitBytes, backend } = limit;
  if (sizeBytes > limitBytes) {
    throw new PayloadTooLargeError(
      `The envelope of task "${envelope.task}" is ${megabytes(sizeBytes)} (${sizeBytes} bytes), over the ${megabytes(limitBytes)} (${limitBytes} bytes) that backend "${backend}" accepts (${limit.limitSource}); it was not sent. Pass a smaller input (for example the key of an object in storage instead of its content), or run this task with placement: 'local'`,
      { sizeBytes, limitBytes, taskName: envelope.task, taskId: envelope.id, backend },
    );
  }
  return { json, sizeBytes };
}
