/**
 * The function's side of payloads by reference, shared by the Lambda and
 * Cloud Functions handlers: an envelope with a `payloadRef` has its input
 * fetched from `inputUrl` (codec text, or a binary frame of raw bytes), and
 * an output or a failure over `outputOverBytes` is PUT to `outputUrl`
 * instead of being answered inline (see `payload-ref-answer.ts`). Only
 * `node:http`/`node:https` are used (`url-transfer.ts`), so a function bundle
 * carries no storage SDK and the function needs no storage permission
 * beyond the URLs.
 */
import { ENVELOPE_VERSION, PayloadRef, type ResultEnvelope } from '../contract/envelope.js';
import { encodeError } from '../contract/error-codec.js';
import type { ExecuteOptions, Runtime } from '../contract/runtime.js';
import { PayloadTransferError } from '../errors.js';
import { answerByReference, field } from './payload-ref-answer.js';
import { downloadPayload } from './url-transfer.js';

function refOf(event: unknown): PayloadRef | undefined {
  if (typeof event !== 'object' || event === null || !('payloadRef' in event)) return undefined;
  const parsed = PayloadRef.safeParse((event as { payloadRef: unknown }).payloadRef);
  return parsed.success ? parsed.data : undefined;
}

function transferFailure(event: unknown, error: unknown, startedAt: number): ResultEnvelope {
  const taskName = field(event, 'task');
  const typed =
    error instanceof PayloadTransferError
      ? error
      : new PayloadTransferError(`Moving a payload of task "${taskName}" by URL failed: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
          taskName,
        });
  return {
    version: ENVELOPE_VERSION,
    id: field(event, 'id'),
    ok: false,
    kind: 'payload-transfer',
    error: encodeError(typed),
    durationMs: performance.now() - startedAt,
  };
}

/**
 * Wraps `runtime` so that envelopes carrying a `payloadRef` have their
 * input downloaded and their large output (or failure) uploaded by URL. A
 * refused or failed transfer is answered as a `payload-transfer` result
 * (`PayloadTransferError`, `ERR_PAYLOAD_URL_EXPIRED` for an expired URL),
 * an output over the store's cap as `payload-too-large`; it never throws.
 */
export function withPayloadRefs(runtime: Runtime): Runtime {
  return {
    bundleHash: runtime.bundleHash,
    taskNames: runtime.taskNames,
    async execute(event, options) {
      const ref = refOf(event);
      if (ref === undefined) return runtime.execute(event, options);
      const startedAt = performance.now();
      let envelope = event;
      const executeOptions: ExecuteOptions = { ...options, ...(ref.frames === true ? { binaryOutput: true } : {}) };
      if (ref.inputUrl !== undefined) {
        try {
          const { text, views } = await downloadPayload(ref.inputUrl, { what: 'input', taskName: field(event, 'task') });
          envelope = { ...(event as object), input: text };
          if (views !== undefined) executeOptions.inputBinary = views;
        } catch (error) {
          return transferFailure(event, error, startedAt);
        }
      }
      const result = await runtime.execute(envelope, executeOptions);
      try {
        return await answerByReference(result, ref, field(event, 'task'));
      } catch (error) {
        return transferFailure(event, error, startedAt);
      }
    },
  };
}
