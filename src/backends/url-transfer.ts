/**
 * The function's transfers of payload objects by presigned/signed URL, with
 * `node:http`/`node:https` (no storage SDK): a download goes chunk by chunk
 * into the buffers of a `FrameReader` (a frame's text and every part in a
 * buffer of its own, one copy), an upload writes a frame's chunks in order
 * without assembling them. A refusal (HTTP status outside 2xx) becomes a
 * typed `PayloadTransferError`, `ERR_PAYLOAD_URL_EXPIRED` for an expired URL.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { FrameReader } from '../contract/frame-reader.js';
import { PayloadTransferError } from '../errors.js';

/** A request or response idle this long fails (undici's `fetch` waits as long by default). */
const IDLE_TIMEOUT_MS = 300_000;

/** Redirects followed before a transfer fails. */
const MAX_REDIRECTS = 3;

/** Bytes of a refusal's body kept for its message. */
const MAX_REFUSAL_BYTES = 64 * 1024;

/** A body to upload: chunks sent in order, `sizeBytes` in all. */
export interface UploadBody {
  readonly chunks: readonly (string | Uint8Array)[];
  readonly sizeBytes: number;
  readonly contentType: string;
}

/** Where a transfer goes, for messages: `input` or `output`, and the task's name. */
interface TransferSubject {
  readonly what: string;
  readonly taskName: string;
}

/** The URL without its query (the signature), for messages. */
function withoutQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}

/** The typed error of a storage URL's refusal with `status` and `body`: expired, or refused for another reason. */
function refused(status: number, body: string, url: string, { what, taskName }: TransferSubject): PayloadTransferError {
  // S3 answers 403 "Request has expired", GCS 400 "ExpiredToken".
  const expired = /expired/i.test(body);
  const message = expired
    ? `The ${what} URL of task "${taskName}" had expired (${withoutQuery(url)}, HTTP ${status}): the attempt outlived its deadline plus the payload store's \`urlExpiryMarginMs\`. Raise \`urlExpiryMarginMs\`, or set a \`timeoutMs\` that covers queueing and cold starts`
    : `The ${what} URL of task "${taskName}" was refused (${withoutQuery(url)}, HTTP ${status}): ${body.slice(0, 300)}`;
  return new PayloadTransferError(message, { code: expired ? 'ERR_PAYLOAD_URL_EXPIRED' : 'ERR_PAYLOAD_TRANSFER', status, taskName });
}

/** Up to {@link MAX_REFUSAL_BYTES} of a response's body as text; the rest is drained. */
async function refusalText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      if (kept < MAX_REFUSAL_BYTES) chunks.push(chunk);
      kept += chunk.byteLength;
    }
  } catch {
    // A refusal whose body broke off is still a refusal.
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends one request and resolves with its response (any status). */
function requestOnce(url: string, method: 'GET' | 'PUT', body: UploadBody | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
    if (transport === undefined) return reject(new Error(`Expected a payload URL with http: or https:, got ${target.protocol}`));
    const headers = body === undefined ? undefined : { 'content-length': String(body.sizeBytes), 'content-type': body.contentType };
    const outgoing = transport.request(target, { method, headers, timeout: IDLE_TIMEOUT_MS }, resolve);
    outgoing.on('timeout', () => outgoing.destroy(new Error(`the connection was idle for ${IDLE_TIMEOUT_MS} ms`)));
    outgoing.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(error, { reusedSocket: outgoing.reusedSocket })));
    // Written by reference: Node queues each chunk without copying it.
    for (const chunk of body?.chunks ?? []) outgoing.write(chunk);
    outgoing.end();
  });
}

/**
 * {@link requestOnce}, sent again once when a kept-alive connection turns out
 * to be closed (a function thawed after a pause finds its idle sockets reset).
 */
async function request(url: string, method: 'GET' | 'PUT', body: UploadBody | undefined): Promise<IncomingMessage> {
  try {
    return await requestOnce(url, method, body);
  } catch (error) {
    const { code, reusedSocket } = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
    if (reusedSocket === true && code === 'ECONNRESET') return requestOnce(url, method, body);
    throw error;
  }
}

/** The 2xx response to `method` on `url`, following redirects. @throws {PayloadTransferError} on any other status. */
async function exchange(url: string, method: 'GET' | 'PUT', body: UploadBody | undefined, subject: TransferSubject): Promise<IncomingMessage> {
  let location = url;
  for (let redirects = 0; ; redirects += 1) {
    const response = await request(location, method, body);
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    const next = response.headers.location;
    if (status >= 300 && status < 400 && next !== undefined && redirects < MAX_REDIRECTS) {
      response.resume();
      location = new URL(next, location).href;
      continue;
    }
    throw refused(status, await refusalText(response), url, subject);
  }
}

/**
 * Downloads the object at `url`: a frame's text and parts, or codec text.
 * @throws {PayloadTransferError} when the URL is refused; an `Error` when the connection fails or the frame is malformed.
 */
export async function downloadPayload(url: string, subject: TransferSubject): Promise<{ text: string; views?: Uint8Array[] }> {
  const response = await exchange(url, 'GET', undefined, subject);
  const announced = Number(response.headers['content-length']);
  if (!Number.isSafeInteger(announced) || announced < 0) {
    // No length given (a chunked answer): the whole object first, then read as one chunk.
    const chunks: Buffer[] = [];
    for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
    const whole = Buffer.concat(chunks);
    const reader = new FrameReader(whole.byteLength);
    reader.write(whole);
    return reader.end();
  }
  const reader = new FrameReader(announced);
  for await (const chunk of response as AsyncIterable<Buffer>) reader.write(chunk);
  return reader.end();
}

/**
 * Uploads `body` to `url`.
 * @throws {PayloadTransferError} when the URL is refused; an `Error` when the connection fails.
 */
export async function uploadPayload(url: string, body: UploadBody, subject: TransferSubject): Promise<void> {
  const response = await exchange(url, 'PUT', body, subject);
  response.resume();
}
