/**
 * The caller's side of payloads by reference, shared by the remote adapters.
 * Without a payload store an envelope over the backend's limit is refused
 * (`encodeWithinLimit`). With one, an input over the limit (or over the
 * store's `spillOverBytes`) is uploaded and the envelope carries a GET URL
 * instead; every envelope carries a PUT URL for an output too large to
 * answer inline. The attempt's objects are deleted before it settles.
 */
import { encodeFrame, frameChunks, frameSizeOf, inlineSizeOf, isFrame } from '../contract/binary-frame.js';
import { type PayloadRef, ResultEnvelope, type TaskEnvelope } from '../contract/envelope.js';
import { decodeFrame, FrameReader } from '../contract/frame-reader.js';
import { AbortError, isOffloadError, PayloadTooLargeError, PayloadTransferError, type TaskPlacement } from '../errors.js';
import { type EncodedEnvelope, encodeWithinLimit } from './payload-check.js';
import { MAX_URL_LIFETIME_MS, type PayloadStore, type StorageRequests, storageRequestsUsd } from './payload-store.js';

/** Room kept in an inline answer for the result envelope around its output. */
const ENVELOPE_OVERHEAD_BYTES = 64 * 1024;

/** What one backend's attempt needs to decide how its payloads travel. */
export interface SpillLimits {
  /** The backend's name. */
  backend: string;
  /** The configured store, if any. */
  store: PayloadStore | undefined;
  /** Largest request the backend accepts inline, bytes. */
  requestLimitBytes: number;
  /** Largest answer the function can return inline, bytes. */
  responseLimitBytes: number;
  /** Where the request limit comes from, for messages. */
  limitSource: string;
  /** The attempt's deadline: its `timeoutMs`, else the function's own timeout. */
  deadlineMs: number;
}

/** An envelope ready to send, and what to do with the answer. */
export interface PreparedEnvelope extends EncodedEnvelope {
  /** Downloads an output that travelled by reference; other results pass through. */
  receive(result: ResultEnvelope, signal?: AbortSignal): Promise<ResultEnvelope>;
  /** Deletes the attempt's objects and reports the storage requests' cost; never rejects. */
  cleanup(result: ResultEnvelope | undefined): Promise<void>;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

/**
 * Encodes `envelope` inline, synchronously: what {@link prepareEnvelope}
 * does without a store, for backends that must reach their queue in the same tick.
 * @throws {PayloadTooLargeError} when the envelope is over the backend's limit; nothing is sent then.
 */
export function inlineEnvelope(envelope: TaskEnvelope, limits: Omit<SpillLimits, 'deadlineMs' | 'store'>): PreparedEnvelope {
  const encoded = encodeWithinLimit(envelope, { limitBytes: limits.requestLimitBytes, backend: limits.backend, limitSource: limits.limitSource });
  return { ...encoded, receive: async (result) => result, cleanup: async () => {} };
}

function placementOf(envelope: TaskEnvelope, backend: string): TaskPlacement {
  return { taskName: envelope.task, taskId: envelope.id, backend };
}

function transferError(what: string, error: unknown, placement: TaskPlacement): PayloadTransferError {
  if (isOffloadError(error)) return error as PayloadTransferError;
  return new PayloadTransferError(
    `${what} failed: ${(error as Error)?.message ?? String(error)}. Check the bucket, its region and the credentials of the payload store`,
    {
      ...placement,
      cause: error,
    },
  );
}

function refuseOverCap(envelope: TaskEnvelope, store: PayloadStore, sizeBytes: number, backend: string): void {
  if (sizeBytes <= store.maxObjectBytes) return;
  throw new PayloadTooLargeError(
    `The input of task "${envelope.task}" is ${megabytes(sizeBytes)} (${sizeBytes} bytes) encoded, over the ${megabytes(store.maxObjectBytes)} (${store.maxObjectBytes} bytes) of the ${store.kind} payload store's \`maxObjectBytes\`; nothing was uploaded or sent. Raise \`maxObjectBytes\` or pass a smaller input`,
    { sizeBytes, limitBytes: store.maxObjectBytes, ...placementOf(envelope, backend) },
  );
}

/** Seconds the URLs of an attempt with `deadlineMs` live: the deadline plus the store's margin, within S3's and GCS's 7 days. */
function urlLifetimeSeconds(store: PayloadStore, deadlineMs: number): number {
  return Math.max(1, Math.ceil(Math.min(MAX_URL_LIFETIME_MS, deadlineMs + store.urlExpiryMarginMs) / 1000));
}

/** An object to upload: codec text, or a binary frame as its chunks (`frameChunks`), not yet assembled. */
type SpilledBody = string | { text: string; views: readonly Uint8Array[] };

/** The input object of an envelope that spills: a binary frame (raw bytes) when the input has binary leaves, else its codec text. */
function spilledInput(envelope: TaskEnvelope, store: PayloadStore, backend: string): SpilledBody {
  const views = envelope.binary?.views;
  if (views !== undefined) {
    refuseOverCap(envelope, store, frameSizeOf(envelope.input, views), backend);
    return { text: envelope.input, views };
  }
  // UTF-8 takes at most three bytes per UTF-16 unit: measure only when that could pass the cap.
  if (envelope.input.length * 3 > store.maxObjectBytes) refuseOverCap(envelope, store, Buffer.byteLength(envelope.input), backend);
  return envelope.input;
}

/** Uploads `body` under `key`: a frame as its chunks when the store takes them (no copy of the parts), else assembled. */
async function upload(store: PayloadStore, key: string, body: SpilledBody, signal: AbortSignal | undefined): Promise<void> {
  if (typeof body === 'string') return store.put(key, body, signal);
  if (store.putChunks === undefined) return store.put(key, encodeFrame(body.text, body.views), signal);
  const { chunks, sizeBytes } = frameChunks(body.text, body.views);
  return store.putChunks(key, chunks, sizeBytes, signal);
}

/**
 * Uploads `body` under `key` while signing its GET URL, and resolves with
 * the URL once both are done (a failure of either waits for the other, so
 * the caller's delete never races the upload).
 */
async function uploadAndSign(store: PayloadStore, key: string, body: SpilledBody, expiresInSeconds: number, signal: AbortSignal | undefined): Promise<string> {
  const [signed, uploaded] = await Promise.allSettled([store.signGetUrl(key, expiresInSeconds), upload(store, key, body, signal)]);
  if (uploaded.status === 'rejected') throw uploaded.reason;
  if (signed.status === 'rejected') throw signed.reason;
  return signed.value;
}

/** True when the input is over `threshold` however its envelope is encoded (UTF-8 takes at least one byte per UTF-16 unit): it spills without encoding the envelope first. */
function surelySpills(envelope: TaskEnvelope, threshold: number): boolean {
  const views = envelope.binary?.views;
  return (views === undefined ? envelope.input.length : inlineSizeOf(envelope.input, views)) > threshold;
}

/** The envelope inline with `payloadRef`, or `undefined` when its input is over `threshold` or the whole over the request limit; the caller has ruled out {@link surelySpills}. */
function inlineOrSpill(envelope: TaskEnvelope, payloadRef: PayloadRef, threshold: number, limits: SpillLimits): EncodedEnvelope | undefined {
  const { backend, limitSource, requestLimitBytes } = limits;
  const views = envelope.binary?.views;
  const inline = encodeWithinLimit({ ...envelope, payloadRef }, { limitBytes: Number.MAX_SAFE_INTEGER, backend, limitSource });
  if (inline.sizeBytes > requestLimitBytes || (views === undefined && Buffer.byteLength(envelope.input) > threshold)) return undefined;
  return inline;
}

/** The object under `key`: a binary frame's text and parts, or text. Read chunk by chunk when the store can (`getChunks`), else whole. */
async function fetchObject(store: PayloadStore, key: string, signal: AbortSignal | undefined): Promise<{ text: string; views?: Uint8Array[] }> {
  if (store.getChunks === undefined) {
    const bytes = await store.get(key, signal);
    return isFrame(bytes) ? decodeFrame(bytes) : { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') };
  }
  const { sizeBytes, chunks } = await store.getChunks(key, signal);
  const reader = new FrameReader(sizeBytes);
  for await (const chunk of chunks) reader.write(chunk);
  return reader.end();
}

/** An answer's output or failure that travelled by reference, downloaded and put back in place; other answers pass through. */
async function download(result: ResultEnvelope, store: PayloadStore, key: string, signal: AbortSignal | undefined): Promise<ResultEnvelope> {
  if (result.ok) {
    const { outputByReference: _, ...inlineResult } = result;
    const { text, views } = await fetchObject(store, key, signal);
    return views === undefined ? { ...inlineResult, output: text } : { ...inlineResult, output: text, binary: { views, transfer: [] } };
  }
  const { errorByReference: _, ...failure } = result;
  const uploaded = JSON.parse((await fetchObject(store, key, signal)).text) as Pick<ResultEnvelope & { ok: false }, 'error' | 'logs'>;
  const parsed = ResultEnvelope.safeParse({ ...failure, error: uploaded.error, ...(uploaded.logs === undefined ? {} : { logs: uploaded.logs }) });
  if (!parsed.success) throw new Error('the uploaded failure is no encoded error');
  return parsed.data;
}

const byReference = (result: ResultEnvelope): boolean => (result.ok ? result.outputByReference === true : result.errorByReference === true);

/**
 * Encodes `envelope` for one attempt under `limits`: inline, or with its
 * input uploaded to the payload store. `onStorageUsd` receives the cost of
 * the attempt's storage requests once they are known. Aborting `signal`
 * stops the input's upload (the store's `put`/`putChunks` take it).
 * @throws {PayloadTooLargeError} without a store when the envelope is over the backend's limit, with one when the input is over `maxObjectBytes`; nothing is uploaded or sent then.
 * @throws {PayloadTransferError} when the input cannot be uploaded.
 * @throws {AbortError} when `signal` aborted while the input was uploaded; its object is deleted and nothing is sent.
 */
export async function prepareEnvelope(
  envelope: TaskEnvelope,
  limits: SpillLimits,
  onStorageUsd?: (usd: number) => void,
  signal?: AbortSignal,
): Promise<PreparedEnvelope> {
  const { store, backend, requestLimitBytes, limitSource } = limits;
  if (store === undefined) return inlineEnvelope(envelope, limits);
  const threshold = Math.min(requestLimitBytes, store.spillOverBytes ?? requestLimitBytes);
  const placement = placementOf(envelope, backend);
  const expiresInSeconds = urlLifetimeSeconds(store, limits.deadlineMs);
  const outputKey = store.keyOf(envelope.id, envelope.attempt, 'output');
  const outputOverBytes = Math.max(0, Math.min(store.spillOverBytes ?? Number.POSITIVE_INFINITY, limits.responseLimitBytes - ENVELOPE_OVERHEAD_BYTES));
  const requests: StorageRequests = { writes: 0, reads: 0 };
  let inputKey: string | undefined;
  let sent: EncodedEnvelope;
  // Presigning needs no object: an input that surely spills uploads while both URLs are signed.
  const outputUrl = (async () => store.signPutUrl(outputKey, expiresInSeconds))();
  outputUrl.catch(() => {});
  try {
    const payloadRef: PayloadRef = { outputUrl: '', outputOverBytes, frames: true, maxOutputBytes: store.maxObjectBytes };
    const inline = surelySpills(envelope, threshold) ? undefined : inlineOrSpill(envelope, { ...payloadRef, outputUrl: await outputUrl }, threshold, limits);
    if (inline === undefined) {
      const body = spilledInput(envelope, store, backend);
      inputKey = store.keyOf(envelope.id, envelope.attempt, 'input');
      requests.writes += 1;
      payloadRef.inputUrl = await uploadAndSign(store, inputKey, body, expiresInSeconds, signal);
    }
    payloadRef.outputUrl = await outputUrl;
    sent = inline ?? encodeWithinLimit({ ...envelope, input: '', binary: undefined, payloadRef }, { limitBytes: requestLimitBytes, backend, limitSource });
  } catch (error) {
    if (inputKey !== undefined) await store.delete(inputKey).catch(() => {});
    if (requests.writes > 0) onStorageUsd?.(storageRequestsUsd(store.pricing, requests));
    if (isOffloadError(error, 'ERR_PAYLOAD_TOO_LARGE')) throw error;
    if (signal?.aborted === true)
      throw new AbortError(`Task "${envelope.task}" was aborted while its input was uploaded; it was not sent`, { ...placement, cause: signal.reason });
    throw transferError(`Uploading the input of task "${envelope.task}" to the ${store.kind} payload store`, error, placement);
  }
  const spilledKey = inputKey;
  return {
    ...sent,
    async receive(result, signal) {
      if (!byReference(result)) return result;
      requests.reads += 1;
      try {
        return await download(result, store, outputKey, signal);
      } catch (error) {
        throw transferError(`Downloading the output of task "${envelope.task}" from the ${store.kind} payload store`, error, placement);
      }
    },
    async cleanup(result) {
      // The output object exists when the answer says so; without an answer, it may.
      const outputMayExist = result === undefined || byReference(result);
      const keys = [spilledKey, outputMayExist ? outputKey : undefined].filter((key): key is string => key !== undefined);
      await Promise.all(keys.map((key) => store.delete(key).catch(() => {})));
      // The function's GET of the input and PUT of the output are billed to the bucket's owner too.
      if (spilledKey !== undefined) requests.reads += 1;
      if (result !== undefined && byReference(result)) requests.writes += 1;
      if (requests.reads + requests.writes > 0) onStorageUsd?.(storageRequestsUsd(store.pricing, requests));
    },
  };
}
