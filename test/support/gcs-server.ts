/**
 * A local stand-in for Google Cloud Storage on 127.0.0.1, for the
 * `gcsPayloadStore` tests. No GCS server exists on npm (the registry has SDK
 * mocks such as mock-gcs; fake-gcs-server is a Go binary), so this is a
 * small real HTTP server speaking the parts of GCS the store uses:
 *
 * - the JSON API that `@google-cloud/storage` calls with `apiEndpoint` set to
 *   this server: multipart and media uploads
 *   (`POST /upload/storage/v1/b/<bucket>/o?uploadType=multipart|media`, with a
 *   `Content-Length` or chunked, as GCS takes them), media download
 *   (`GET /storage/v1/b/<bucket>/o/<name>?alt=media`) and delete. An upload
 *   whose body breaks off stores nothing, as on GCS; downloads carry a
 *   `Content-Length`, as GCS's do unless it transcodes a gzip-stored object
 *   (https://cloud.google.com/storage/docs/transcoding);
 * - V4 signed URLs (`GET`/`PUT /<bucket>/<name>?X-Goog-Algorithm=GOOG4-RSA-SHA256&...`),
 *   checked as GCS checks them: the RSA-SHA256 signature of the canonical
 *   request against the service account's public key (403
 *   `SignatureDoesNotMatch`), and the expiry (400 `ExpiredToken`).
 *
 * The signing itself is the SDK's own code, with a generated service-account key.
 */
import { createHash, generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running stand-in. */
export interface GcsServer {
  /** `http://127.0.0.1:<port>`: the `apiEndpoint` of a `Storage`. */
  endpoint: string;
  /** A service-account key the server trusts: the `credentials` of a `Storage`. */
  credentials: { client_email: string; private_key: string };
  /** Names of the objects in `bucket`. */
  keys(bucket: string): string[];
  /** Signed-URL requests the server answered, by status. */
  signedRequests: { method: string; status: number }[];
  /** JSON-API uploads as the server saw them: upload type, chunked or with a length, bytes received, whether an object was stored. */
  uploads: UploadSeen[];
  /**
   * Holds the next JSON-API upload: the server stops reading its body after
   * the first bytes (TCP backpressure then stalls the sender) and resolves
   * once they arrived. The upload stays held until its sender gives up or the server stops.
   */
  holdNextUpload(): Promise<void>;
  /** Stops the server. */
  stop(): Promise<void>;
}

/** One JSON-API upload request. */
interface UploadSeen {
  uploadType: string;
  /** True for `Transfer-Encoding: chunked` (no `Content-Length`). */
  chunked: boolean;
  bytesReceived: number;
  stored: boolean;
}

const CLIENT_EMAIL = 'spillway-tests@local-project.iam.gserviceaccount.com';

/** The whole body; rejects when it breaks off (the sender closed or reset the connection). `onChunk` sees each chunk as it arrives. */
function readBody(req: IncomingMessage, onChunk?: (chunk: Buffer) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      onChunk?.(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the request body broke off'));
    });
  });
}

/** The SDK's `encodeURI(value, true)`: encodeURIComponent plus `!'()*`. */
function encodeStrict(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function xmlError(res: ServerResponse, status: number, code: string, details: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${code === 'ExpiredToken' ? 'Invalid argument.' : details}</Message><Details>${details}</Details></Error>`,
  );
}

/** Parses `20261201T171810Z`. */
function parseGoogDate(text: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match === null) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Checks a V4 signed URL as GCS does; answers the error and returns false when it does not hold. */
function signedUrlHolds(req: IncomingMessage, url: URL, publicKey: KeyObject, res: ServerResponse): boolean {
  const query = url.searchParams;
  const signature = query.get('X-Goog-Signature') ?? '';
  const signedHeaders = query.get('X-Goog-SignedHeaders') ?? '';
  const canonicalQuery = [...query.entries()]
    .filter(([key]) => key !== 'X-Goog-Signature')
    .map(([key, value]) => [encodeStrict(key), encodeStrict(value)])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  // The SDK signs the host without its port (GCS is on 443, where the two are the same).
  const headerValue = (name: string): string => (name === 'host' ? url.hostname : String(req.headers[name] ?? '').trim());
  const headers = signedHeaders
    .split(';')
    .map((name) => `${name}:${headerValue(name)}\n`)
    .join('');
  const canonicalRequest = [req.method, url.pathname, canonicalQuery, headers, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const date = query.get('X-Goog-Date') ?? '';
  const scope = (query.get('X-Goog-Credential') ?? '').split('/').slice(1).join('/');
  const blob = ['GOOG4-RSA-SHA256', date, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  if (!verify('sha256', Buffer.from(blob), publicKey, Buffer.from(signature, 'hex'))) {
    xmlError(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    return false;
  }
  const expiresAt = parseGoogDate(date) + Number(query.get('X-Goog-Expires')) * 1000;
  if (Date.now() > expiresAt) {
    xmlError(res, 400, 'ExpiredToken', `The provided token has expired. Request signature expired at: ${new Date(expiresAt).toISOString()}`);
    return false;
  }
  return true;
}

/** The media part of a `multipart/related` upload body. */
function mediaOf(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1] ?? '';
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    parts.push(body.subarray(start + delimiter.length, next));
    start = next;
  }
  const media = parts[1] ?? Buffer.alloc(0);
  const headerEnd = media.indexOf('\r\n\r\n');
  return media.subarray(headerEnd + 4, media.length - 2);
}

/** Starts the stand-in on 127.0.0.1 with the given buckets. */
export async function startGcsServer(buckets: string[]): Promise<GcsServer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const objects = new Map<string, Map<string, Buffer>>(buckets.map((bucket) => [bucket, new Map()]));
  const signedRequests: { method: string; status: number }[] = [];
  const uploads: UploadSeen[] = [];
  let hold: (() => void) | undefined;
  /** Reads an upload's body, recording what arrived, and holds it when a test asked to. */
  const readUpload = (req: IncomingMessage, url: URL): { seen: UploadSeen; body: Promise<Buffer> } => {
    const seen = {
      uploadType: url.searchParams.get('uploadType') ?? '',
      chunked: req.headers['content-length'] === undefined,
      bytesReceived: 0,
      stored: false,
    };
    uploads.push(seen);
    const held = hold;
    hold = undefined;
    const body = readBody(req, (chunk) => {
      seen.bytesReceived += chunk.byteLength;
      if (held === undefined) return;
      req.pause();
      held();
    });
    return { seen, body };
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const upload = req.method === 'POST' && url.pathname.startsWith('/upload/') ? readUpload(req, url) : undefined;
    let body: Buffer;
    try {
      body = await (upload?.body ?? readBody(req));
    } catch {
      // The sender gave up: nothing is stored, nobody waits for an answer.
      return res.destroy();
    }
    const json = url.pathname.match(/^\/(?:upload\/)?storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/);
    if (json !== null) {
      const bucket = objects.get(json[1]);
      const name = json[2] === undefined ? (url.searchParams.get('name') ?? '') : decodeURIComponent(json[2]);
      if (bucket === undefined) return xmlError(res, 404, 'NoSuchBucket', json[1]);
      if (req.method === 'POST') {
        const media = url.searchParams.get('uploadType') === 'multipart' ? mediaOf(body, String(req.headers['content-type'])) : body;
        const metadataName = url.searchParams.get('name') ?? /"name":"([^"]+)"/.exec(body.subarray(0, 2048).toString('utf8'))?.[1] ?? '';
        bucket.set(metadataName, media);
        if (upload !== undefined) upload.seen.stored = true;
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ kind: 'storage#object', name: metadataName, bucket: json[1], size: String(media.length) }));
      }
      const stored = bucket.get(name);
      if (stored === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { code: 404, message: `No such object: ${json[1]}/${name}` } }));
      }
      if (req.method === 'DELETE') {
        bucket.delete(name);
        res.writeHead(204);
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(stored.length) });
      return res.end(stored);
    }
    const [, bucketName = '', ...rest] = url.pathname.split('/');
    const bucket = objects.get(bucketName);
    const name = decodeURIComponent(rest.join('/'));
    const answered = (status: number): void => {
      signedRequests.push({ method: req.method ?? '', status });
    };
    if (bucket === undefined || !url.searchParams.has('X-Goog-Signature')) return xmlError(res, 403, 'AccessDenied', 'Anonymous access is not allowed');
    if (!signedUrlHolds(req, url, publicKey, res)) return answered(res.statusCode);
    if (req.method === 'PUT') {
      bucket.set(name, body);
      res.writeHead(200);
      res.end();
      return answered(200);
    }
    const stored = bucket.get(name);
    if (stored === undefined) {
      xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return answered(404);
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(stored.length) });
    res.end(stored);
    answered(200);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { client_email: CLIENT_EMAIL, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    keys: (bucket) => [...(objects.get(bucket)?.keys() ?? [])],
    signedRequests,
    uploads,
    holdNextUpload: () =>
      new Promise((resolve) => {
        hold = resolve;
      }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
