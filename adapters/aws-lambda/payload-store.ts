/**
 * `s3PayloadStore()`: payloads by reference through an S3 bucket. The caller
 * uploads, downloads and deletes with `@aws-sdk/client-s3` and presigns URLs
 * with `@aws-sdk/s3-request-presigner` (optional peers, imported on the first
 * spilled payload); the function only fetches the presigned URLs.
 */
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
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

/** S3 Standard request prices, us-east-1: PUT $0.005 and GET $0.0004 per 1,000 (cloud-facts.md §4); DELETE is free. */
export const S3_REQUEST_PRICING: Readonly<StorageRequestPricing> = Object.freeze({ usdPerWrite: 0.005 / 1000, usdPerRead: 0.0004 / 1000 });

/** Options of {@link s3PayloadStore}. */
export interface S3PayloadStoreOptions extends PayloadStoreOptions {
  /**
   * A client of your own (credentials, endpoint, region). Create it with
   * `requestChecksumCalculation: 'WHEN_REQUIRED'`: otherwise the SDK signs a
   * checksum of an empty body into presigned PUT URLs, and S3 refuses the
   * function's upload of an output. spillway never destroys a client it did not create.
   * @default new S3Client({ region, requestChecksumCalculation: 'WHEN_REQUIRED' })
   */
  client?: S3ClientLike;
  /**
   * Region of the bucket; used only when spillway creates the client.
   * @default the AWS SDK's own resolution (`AWS_REGION`, the shared config file)
   */
  region?: string;
}

/**
 * What {@link S3PayloadStoreOptions.client} must look like: an `S3Client` of
 * `@aws-sdk/client-s3` fits. Declared here, so that spillway's types resolve
 * for apps that do not install that optional peer.
 */
interface S3ClientLike {
  send(command: never, options?: never): Promise<unknown>;
}

/** The part of an `S3Client`'s resolved config that says whether the SDK adds checksums to uploads. */
interface ChecksumConfig {
  config?: { requestChecksumCalculation?: () => Promise<string> };
}

/**
 * True when `client` sends uploads without a checksum of its own
 * (`requestChecksumCalculation: 'WHEN_REQUIRED'`): a stream body then goes
 * out as it is. Otherwise the SDK would send a stream `aws-chunked` with a
 * trailing checksum, which not every S3-compatible server decodes.
 */
async function sendsPlainStreams(client: S3ClientLike): Promise<boolean> {
  try {
    return (await (client as ChecksumConfig).config?.requestChecksumCalculation?.()) === 'WHEN_REQUIRED';
  } catch {
    return false;
  }
}

const S3PayloadStoreSchema = z
  .object({
    ...payloadStoreShape,
    client: z
      .custom<S3ClientLike>((value) => typeof (value as { send?: unknown } | null)?.send === 'function', {
        error: "expected an S3Client from @aws-sdk/client-s3, e.g. new S3Client({ region, requestChecksumCalculation: 'WHEN_REQUIRED' })",
      })
      .optional(),
    region: z.string().min(1).optional(),
  })
  .strict();

type S3Sdk = typeof import('@aws-sdk/client-s3');
type Presigner = typeof import('@aws-sdk/s3-request-presigner');

/**
 * Creates a payload store on an S3 bucket, for `lambda({ payloadStore })`
 * or `cloudFunctions({ payloadStore })`. Objects live under `prefix` for one
 * attempt and are deleted before it settles; add a lifecycle rule that
 * expires `prefix` after a day for processes that crash mid-task. The caller
 * needs `s3:PutObject`, `s3:GetObject` and `s3:DeleteObject` on the prefix;
 * the function needs nothing (it only fetches presigned URLs).
 *
 * @example
 * import { lambda, s3PayloadStore } from 'spillway/aws-lambda';
 * const remote = lambda({ functionName: 'spillway-tasks', payloadStore: s3PayloadStore({ bucket: 'my-payloads', region: 'eu-west-1' }) });
 *
 * @throws {ValidationError} when an option is invalid, naming the field.
 */
export function s3PayloadStore(options: S3PayloadStoreOptions): PayloadStore {
  const data = parseOptions(S3PayloadStoreSchema, options, 's3PayloadStore() options');
  const resolved = resolvePayloadStoreOptions(data, S3_REQUEST_PRICING);
  const { bucket } = resolved;
  let loaded: Promise<{ sdk: S3Sdk; presigner: Presigner; client: S3Client; plainStreams: boolean }> | undefined;
  const load = (): Promise<{ sdk: S3Sdk; presigner: Presigner; client: S3Client; plainStreams: boolean }> => {
    loaded ??= (async () => {
      const feature = 's3PayloadStore() of spillway/aws-lambda';
      const sdk = await importPeer('@aws-sdk/client-s3', { feature, load: () => import('@aws-sdk/client-s3') });
      const presigner = await importPeer('@aws-sdk/s3-request-presigner', { feature, load: () => import('@aws-sdk/s3-request-presigner') });
      const client =
        (data.client as S3Client | undefined) ??
        new sdk.S3Client({ ...(data.region === undefined ? {} : { region: data.region }), requestChecksumCalculation: 'WHEN_REQUIRED' });
      return { sdk, presigner, client, plainStreams: await sendsPlainStreams(client) };
    })();
    // A failed import is tried again by the next payload.
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };
  return {
    kind: 's3',
    ...storeSettings(resolved),
    async put(key, body, signal) {
      const { sdk, client } = await load();
      const contentType = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream';
      await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), {
        ...(signal === undefined ? {} : { abortSignal: signal }),
      });
    },
    async putChunks(key, chunks, sizeBytes, signal) {
      const { sdk, client, plainStreams } = await load();
      // A stream with its length is sent chunk by chunk; with SDK checksums on, the SDK needs the bytes whole.
      const body = plainStreams ? Readable.from(chunks, { objectMode: false }) : Buffer.concat(chunks, sizeBytes);
      await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: sizeBytes, ContentType: 'application/octet-stream' }), {
        ...(signal === undefined ? {} : { abortSignal: signal }),
      });
    },
    async get(key, signal) {
      const { sdk, client } = await load();
      const output = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), { ...(signal === undefined ? {} : { abortSignal: signal }) });
      return (await output.Body?.transformToByteArray()) ?? new Uint8Array(0);
    },
    async getChunks(key, signal) {
      const { sdk, client } = await load();
      const output = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), { ...(signal === undefined ? {} : { abortSignal: signal }) });
      const body = output.Body as (AsyncIterable<Uint8Array> & { transformToByteArray(): Promise<Uint8Array> }) | undefined;
      if (body === undefined) return { sizeBytes: 0, chunks: Readable.from([]) };
      if (output.ContentLength !== undefined) return { sizeBytes: output.ContentLength, chunks: body };
      // No length announced: the whole object first, as one chunk.
      const whole = await body.transformToByteArray();
      return { sizeBytes: whole.byteLength, chunks: Readable.from([whole]) };
    },
    async delete(key) {
      const { sdk, client } = await load();
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async signGetUrl(key, expiresInSeconds) {
      const { sdk, presigner, client } = await load();
      return presigner.getSignedUrl(client, new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds });
    },
    async signPutUrl(key, expiresInSeconds) {
      const { sdk, presigner, client } = await load();
      return presigner.getSignedUrl(client, new sdk.PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds });
    },
  };
}
