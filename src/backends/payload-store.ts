/**
 * The payload store a remote backend spills to: an object-storage bucket
 * (S3 through `s3PayloadStore` of `spillway/aws-lambda`, GCS through
 * `gcsPayloadStore` of `spillway/gcp-functions`, or your own). The caller
 * side uploads, downloads and deletes with the provider's SDK; the function
 * side only ever sees presigned/signed URLs.
 */
import * as z from 'zod';

/** Storage requests one attempt made, for cost rules. */
export interface StorageRequests {
  /** Uploads (S3 PUT, GCS Class A insert). */
  writes: number;
  /** Downloads (S3 GET, GCS Class B get). */
  reads: number;
}

/** Prices of storage requests, in US dollars. */
export interface StorageRequestPricing {
  /** Price of one upload request (S3 PUT, GCS Class A). */
  usdPerWrite: number;
  /** Price of one download request (S3 GET, GCS Class B). */
  usdPerRead: number;
}

/** A bucket that carries payloads too large to travel inline. */
export interface PayloadStore {
  /** What the store is (`s3`, `gcs`, or a custom name), for messages. */
  readonly kind: string;
  /** Payloads (encoded inputs and outputs) over this many bytes travel by reference even when they would fit inline; undefined: only those over the backend's limit. */
  readonly spillOverBytes?: number;
  /** The hard cap: a payload over this many bytes is refused with `PayloadTooLargeError` before anything is uploaded. */
  readonly maxObjectBytes: number;
  /** URLs expire this long after the attempt's deadline (its `timeoutMs`, else the function's own timeout). */
  readonly urlExpiryMarginMs: number;
  /** Prices of storage requests used by cost rules and budgets. */
  readonly pricing: StorageRequestPricing;
  /** The object key of one payload of one attempt. */
  keyOf(taskId: string, attempt: number, part: 'input' | 'output'): string;
  /** Uploads `body` under `key`: codec text, or a binary frame of raw bytes (`binary-frame.ts`). */
  put(key: string, body: string | Uint8Array, signal?: AbortSignal): Promise<void>;
  /**
   * Optional: uploads one object under `key` made of `chunks` in order
   * (`sizeBytes` in all), without joining them first. A spilled binary frame
   * goes through it when present (its chunks are the caller's own buffers,
   * so a 20 MB value is not copied before the upload); else spillway joins
   * the chunks and calls {@link PayloadStore.put}.
   */
  putChunks?(key: string, chunks: readonly Uint8Array[], sizeBytes: number, signal?: AbortSignal): Promise<void>;
  /** Downloads the object under `key`, as bytes. */
  get(key: string, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Optional: downloads the object under `key` as its size and its chunks as
   * they arrive. An output or failure that travelled by reference is read
   * through it when present (each chunk is copied straight into the decoded
   * value's buffers, so the whole object is never held as one buffer too);
   * else through {@link PayloadStore.get}.
   */
  getChunks?(key: string, signal?: AbortSignal): Promise<PayloadChunks>;
  /** Deletes the object under `key` (no error when it does not exist). */
  delete(key: string): Promise<void>;
  /** A URL that lets anyone GET `key` for `expiresInSeconds`. */
  signGetUrl(key: string, expiresInSeconds: number): Promise<string>;
  /** A URL that lets anyone PUT `key` for `expiresInSeconds`. */
  signPutUrl(key: string, expiresInSeconds: number): Promise<string>;
}

/** An object being downloaded by {@link PayloadStore.getChunks}. */
export interface PayloadChunks {
  /** The object's size in bytes (its `Content-Length`). */
  sizeBytes: number;
  /** Its bytes in order, as they arrive. */
  chunks: AsyncIterable<Uint8Array>;
}

/** Options every built-in payload store shares. */
export interface PayloadStoreOptions {
  /** Bucket that holds the payloads. Add a lifecycle rule that expires objects under `prefix` after a day: objects of a process that crashed mid-task are never deleted otherwise. */
  bucket: string;
  /**
   * Key prefix of every object.
   * @default 'spillway/'
   */
  prefix?: string;
  /**
   * Payloads over this many bytes travel by reference even when the backend would accept them inline.
   * @default the backend's inline limit (6 MB on Lambda, `maxPayloadBytes` on Cloud Functions)
   */
  spillOverBytes?: number;
  /**
   * The hard cap of one payload: anything larger is refused with
   * `PayloadTooLargeError` before anything is uploaded or sent. At most
   * 512 MiB (one JavaScript string).
   * @default 268_435_456 (256 MiB)
   */
  maxObjectBytes?: number;
  /**
   * How long URLs live after the attempt's deadline (its `timeoutMs`, else
   * the function's own timeout), covering queueing, cold start and
   * transfer. At most 7 days in all (S3 and GCS V4 URLs).
   * @default 300_000 (5 min)
   */
  urlExpiryMarginMs?: number;
  /** Prices of storage requests, US dollars; the defaults are list prices of standard storage. */
  pricing?: Partial<StorageRequestPricing>;
}

/** {@link PayloadStoreOptions} with every default applied. */
export interface ResolvedPayloadStoreOptions {
  bucket: string;
  prefix: string;
  spillOverBytes?: number;
  maxObjectBytes: number;
  urlExpiryMarginMs: number;
  pricing: StorageRequestPricing;
}

/** Largest JavaScript string V8 builds (2^29 - 24 characters): the largest payload one attempt can carry. */
const MAX_STRING_BYTES = 2 ** 29 - 24;

/** Largest lifetime of an S3 presigned or GCS V4 signed URL: 7 days (cloud-facts.md §4). */
export const MAX_URL_LIFETIME_MS = 604_800_000;

/** Defaults of {@link PayloadStoreOptions}. */
const DEFAULTS = { prefix: 'spillway/', maxObjectBytes: 256 * 1024 * 1024, urlExpiryMarginMs: 300_000 } as const;

/** zod shape of {@link PayloadStoreOptions}, for the stores' own schemas. */
export const payloadStoreShape = {
  bucket: z.string().min(3).max(222),
  prefix: z.string().max(512).optional(),
  spillOverBytes: z.number().int().min(0).optional(),
  maxObjectBytes: z.number().int().min(1).max(MAX_STRING_BYTES).optional(),
  urlExpiryMarginMs: z.number().int().min(0).max(MAX_URL_LIFETIME_MS).optional(),
  pricing: z
    .object({ usdPerWrite: z.number().min(0).max(1).optional(), usdPerRead: z.number().min(0).max(1).optional() })
    .strict()
    .optional(),
};

/** Applies the defaults of {@link PayloadStoreOptions} to validated options. */
export function resolvePayloadStoreOptions(
  data: z.infer<z.ZodObject<typeof payloadStoreShape>>,
  defaultPricing: StorageRequestPricing,
): ResolvedPayloadStoreOptions {
  return {
    bucket: data.bucket,
    prefix: data.prefix ?? DEFAULTS.prefix,
    ...(data.spillOverBytes === undefined ? {} : { spillOverBytes: data.spillOverBytes }),
    maxObjectBytes: data.maxObjectBytes ?? DEFAULTS.maxObjectBytes,
    urlExpiryMarginMs: data.urlExpiryMarginMs ?? DEFAULTS.urlExpiryMarginMs,
    pricing: { ...defaultPricing, ...data.pricing },
  };
}

/** The settings part of a {@link PayloadStore} (everything but its storage calls), the same for every store. */
export function storeSettings(
  resolved: ResolvedPayloadStoreOptions,
): Pick<PayloadStore, 'spillOverBytes' | 'maxObjectBytes' | 'urlExpiryMarginMs' | 'pricing' | 'keyOf'> {
  const { prefix } = resolved;
  return {
    ...(resolved.spillOverBytes === undefined ? {} : { spillOverBytes: resolved.spillOverBytes }),
    maxObjectBytes: resolved.maxObjectBytes,
    urlExpiryMarginMs: resolved.urlExpiryMarginMs,
    pricing: resolved.pricing,
    keyOf: (taskId, attempt, part) => payloadKey(prefix, taskId, attempt, part),
  };
}

/** `<prefix><taskId>/<attempt>-<random>-<part>`: unique per attempt, so a retry never reads an object of another attempt. */
function payloadKey(prefix: string, taskId: string, attempt: number, part: 'input' | 'output'): string {
  const unique = Math.random().toString(36).slice(2, 10);
  return `${prefix}${encodeURIComponent(taskId)}/${attempt}-${unique}-${part}`;
}

/** The most storage requests one attempt makes: its input's upload and download, and its output's (or failure's). */
export const MOST_STORAGE_REQUESTS: Readonly<StorageRequests> = Object.freeze({ writes: 2, reads: 2 });

/** Cost in USD of `requests` at `pricing`. */
export function storageRequestsUsd(pricing: StorageRequestPricing, requests: StorageRequests): number {
  return requests.writes * pricing.usdPerWrite + requests.reads * pricing.usdPerRead;
}

/** zod check of a `payloadStore` option: an object with the methods of {@link PayloadStore}. */
export const payloadStoreSchema = z.custom<PayloadStore>(
  (value) =>
    ['put', 'get', 'delete', 'signGetUrl', 'signPutUrl', 'keyOf'].every((method) => typeof (value as Record<string, unknown> | null)?.[method] === 'function'),
  { error: 'expected a payload store such as s3PayloadStore({ bucket }) from spillway/aws-lambda or gcsPayloadStore({ bucket }) from spillway/gcp-functions' },
);
