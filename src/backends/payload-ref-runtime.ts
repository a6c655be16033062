/**
 * The function's side of payloads by reference, shared by the Lambda and
 * Cloud Functions handlers: an envelope with a `payloadRef` has its input
 * fetched from `inputUrl`, and an output over `outputOverBytes` is PUT to
 * `outputUrl` instead of being answered inline. Only global `fetch` is
 * used, so a function bundle carries no storage SDK and the function needs
 * no storage permission beyond the URLs.
 */
import { ENVELOPE_VERSION, PayloadRef, type ResultEnvelope } from '../contract/envelope.js';
import { encodeError } from '../contract/error-codec.js';
import type { Runtime } from '../contract/runtime.js';
import { PayloadTransferError } from '../errors.js';

function refOf(event: unknown): PayloadRef | undefined {
  if (typeof event !== 'object' || event === null || !('payloadRef' in event)) return undefined;
  const parsed = PayloadRef.safeParse((event as { payloadRef: unknown }).payloadRef);
  return parsed.success ? parsed.data : undefined;
}

function field(event: unknown, key: 'id' | 'task'): string {
  const value = (event as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : '';
}

/** The URL without its query (the signature), for messages. */
function withoutQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

async function refused(response: Response, what: string, url: string, taskName: string): Promise<PayloadTransferError> {
  const body = await response.text().catch(() => '');
  // S3 answers 403 "Request has expired", GCS 400 "ExpiredToken".
  const expired = /expired/i.test(body);
  const message = expired
    ? `The ${what} URL of task "${taskName}" had expired (${withoutQuery(url)}, HTTP ${response.status}): the attempt outlived its deadline plus the payload store's \`urlExpiryMarginMs\`. Raise \`urlExpiryMarginMs\`, or set a \`timeoutMs\` that covers queueing and cold starts`
    : `The ${what} URL of task "${taskName}" was refused (${withoutQuery(url)}, HTTP ${response.status}): ${body.slice(0, 300)}`;
  return new PayloadTransferError(message, { code: expired ? 'ERR_PAYLOAD_URL_EXPIRED' : 'ERR_PAYLOAD_TRANSFER', status: response.status, taskName });
}

async function download(url: string, taskName: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw await refused(response, 'input', url, taskName);
  return response.text();
}

async function upload(url: string, body: string, taskName: string): Promise<void> {
  const response = await fetch(url, { method: 'PUT', body });
  if (!response.ok) throw await refused(response, 'output', url, taskName);
  await response.body?.cancel();
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
 * input downloaded and their large output uploaded by URL. A refused or
 * failed transfer is answered as a `payload-transfer` result
 * (`PayloadTransferError`, `ERR_PAYLOAD_URL_EXPIRED` for an expired URL),
 * never thrown.
 */
export function withPayloadRefs(runtime: Runtime): Runtime {
  return {
    bundleHash: runtime.bundleHash,
    taskNames: runtime.taskNames,
    async execute(event, options) {
      const ref = refOf(event);
      if (ref === undefined) return runtime.execute(event, options);
      const startedAt = performance.now();
      const taskName = field(event, 'task');
      let envelope = event;
      if (ref.inputUrl !== undefined) {
        try {
          envelope = { ...(event as object), input: await download(ref.inputUrl, taskName) };
        } catch (error) {
          return transferFailure(event, error, startedAt);
        }
      }
      const result = await runtime.execute(envelope, options);
      if (!result.ok || Buffer.byteLength(result.output) <= ref.outputOverBytes) return result;
      try {
        await upload(ref.outputUrl, result.output, taskName);
      } catch (error) {
        return transferFailure(event, error, startedAt);
      }
      return { ...result, output: '', outputByReference: true };
    },
  };
}
