/**
 * `gcsPayloadStore()`: payloads by reference through a Google Cloud Storage
 * bucket. The caller uploads, downloads, deletes and signs V4 URLs with
 * `@google-cloud/storage` (an optional peer, imported on the first spilled
 * payload); the function only fetches the signed URLs.
 */
import { addAbortSignal, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Storage } from '@google-cloud/storage';
import * as z from 'zod';
import { parseOptions } from '../../src/backends/invalid-options.js';
import { importPeer } from '../../src/backends/optional-peer.js';
import {
  type PayloadStore,
  type PayloadStoreOptions,
  payloadStoreShape,
  resolvePayloadStoreOptions,
  type StorageRequestPricing,
  storeSettings,
} from '../../src/backends/payload-store.js';

/** GCS Standard operation prices: Class A (insert) $0.005 and Class B (get) $0.0004 per 1,000 (cloud-facts.md §4); DELETE is free. */
export const GCS_REQUEST_PRICING: Readonly<StorageRequestPricing> = Object.freeze({ usdPerWrite: 0.005 / 1000, usdPerRead: 0.0004 / 1000 });

/** Options of {@link gcsPayloadStore}. */
export interface GcsPayloadStoreOptions extends PayloadStoreOptions {
  /**
   * A `Storage` of your own (credentials, project, `apiEndpoint`). Its
   * credentials must be able to sign: a service account key, or the
   * `iam.serviceAccounts.signBlob` permission on the account it runs as.
   * @default new Storage()
   */
  storage?: GcsStorageLike;
}

/**
 * What {@link GcsPayloadStoreOptions.storage} must look like: a `Storage` of
 * `@google-cloud/storage` fits. Declared here, so that spillway's types
 * resolve for apps that do not install that optional peer.
 */
interface GcsStorageLike {
  bucket(name: string): unknown;
}

const GcsPayloadStoreSchema = z
  .object({
    ...payloadStoreShape,
    storage: z
      .custom<GcsStorageLike>((value) => typeof (value as { bucket?: unknown } | null)?.bucket === 'function', {
        error: 'expected a Storage from @google-cloud/storage, e.g. new Storage()',
      })
      .optional(),
  })
  .strict();

/** `first`, then what `rest` yields; stopping early stops `rest` (and so its stream). */
async function* followedBy(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield first;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/**
 * Creates a payload store on a GCS bucket, for `cloudFunctions({ payloadStore })`
 * or `lambda({ payloadStore })`. Objects live under `prefix` for one attempt
 * and are deleted before it settles; add an Object Lifecycle rule (`age: 1`,
 * `matchesPrefix: [prefix]`) for processes that crash mid-task. The caller
 * needs `storage.objects.create`, `.get` and `.delete` on the bucket and the
 * right to sign URLs; the function needs nothing.
 *
 * @example
 * import { cloudFunctions, gcsPayloadStore } from 'spillway/gcp-functions';
 * const remote = cloudFunctions({ url, payloadStore: gcsPayloadStore({ bucket: 'my-payloads' }) });
 *
 * @throws {ValidationError} when an option is invalid, naming the field.
 */
export function gcsPayloadStore(options: GcsPayloadStoreOptions): PayloadStore {
  const data = parseOptions(GcsPayloadStoreSchema, options, 'gcsPayloadStore() options');
  const resolved = resolvePayloadStoreOptions(data, GCS_REQUEST_PRICING);
  let loaded: Promise<Storage> | undefined;
  const storage = (): Promise<Storage> => {
    loaded ??= importPeer('@google-cloud/storage', {
      feature: 'gcsPayloadStore() of spillway/gcp-functions',
      load: () => import('@google-cloud/storage'),
    }).then((sdk) => (data.storage as Storage | undefined) ?? new sdk.Storage());
    // A failed import is tried again by the next payload.
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };
  const file = async (key: string) => (await storage()).bucket(resolved.bucket).file(key);
  // One simple (multipart) upload request, its body streamed from `chunks` in order, none joined or copied.
  // Aborting `signal` stops sending at once and rejects; the SDK's request (teeny-request over node-fetch 2)
  // cannot be cancelled, so its connection stays open with an unfinished body, from which GCS stores nothing.
  const upload = async (key: string, chunks: readonly (string | Uint8Array)[], contentType: string, signal: AbortSignal | undefined): Promise<void> => {
    const target = (await file(key)).createWriteStream({ resumable: false, contentType, validation: false });
    await pipeline(Readable.from(chunks, { objectMode: false }), target, signal === undefined ? {} : { signal });
  };
  const sign = async (key: string, action: 'read' | 'write', expiresInSeconds: number): Promise<string> => {
    const [url] = await (await file(key)).getSignedUrl({ version: 'v4', action, expires: Date.now() + expiresInSeconds * 1000 });
    return url;
  };
  return {
    kind: 'gcs',
    ...storeSettings(resolved),
    put: (key, body, signal) => upload(key, [body], typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream', signal),
    putChunks: (key, chunks, _sizeBytes, signal) => upload(key, chunks, 'application/octet-stream', signal),
    async get(key) {
      const [contents] = await (await file(key)).download({ validation: false });
      return contents;
    },
    async getChunks(key, signal) {
      const stream = (await file(key)).createReadStream({ validation: false });
      if (signal !== undefined) addAbortSignal(signal, stream);
      let length: string | undefined;
      stream.once('response', (response: { headers?: Record<string, string | undefined> }) => {
        length = response.headers?.['content-length'];
      });
      // The request starts when the stream is first read; its response (and length) comes before the first chunk.
      const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      const first = await chunks.next();
      if (first.done) return { sizeBytes: 0, chunks: Readable.from([]) };
      const sizeBytes = Number(length ?? Number.NaN);
      if (Number.isSafeInteger(sizeBytes)) return { sizeBytes, chunks: followedBy(first.value, chunks) };
      // No length announced: the whole object first, as one chunk.
      const all: Uint8Array[] = [];
      for await (const chunk of followedBy(first.value, chunks)) all.push(chunk);
      const whole = Buffer.concat(all);
      return { sizeBytes: whole.byteLength, chunks: Readable.from([whole]) };
    },
    async delete(key) {
      await (await file(key)).delete({ ignoreNotFound: true });
    },
    signGetUrl: (key, expiresInSeconds) => sign(key, 'read', expiresInSeconds),
    signPutUrl: (key, expiresInSeconds) => sign(key, 'write', expiresInSeconds),
  };
}
