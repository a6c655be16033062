/**
 * `spillway/gcp-functions/handler`: the function side of the Cloud Functions
 * backend. A deployed entry file registers the task module as an HTTP
 * function:
 *
 * ```js
 * // index.js, deployed with --entry-point=spillway
 * import { registerCloudFunction } from 'spillway/gcp-functions/handler';
 * registerCloudFunction('spillway', new URL('./tasks.js', import.meta.url));
 * ```
 *
 * {@link createCloudFunctionHandler} is the bare `(req, res)` handler. It
 * checks, in order: the method (405), the body size (413), the signature
 * when signing is on (401, and 401 `ERR_REPLAYED` for a signed request this
 * instance already accepted: see `replay-guard.ts`), the body as JSON and as a task envelope (400)
 * and the bundle hash (409); then it answers 200 with the result envelope,
 * for a task's success and its error alike. The trace context comes from
 * the envelope's `headers`, else the request's `traceparent`/`tracestate`;
 * with a tracer provider registered in the function's process, each request
 * is a SERVER span (`faas.trigger` `http`, `faas.coldstart`). Nothing from a payload is ever
 * evaluated: only the module's exported tasks run. An envelope whose payloads
 * travel by reference has its input fetched from a signed URL and a large
 * output PUT to another, with `node:http`/`node:https` (no storage SDK).
 * @packageDocumentation
 */
import type { Request, Response } from '@google-cloud/functions-framework';
import { type HandlerTaskModule, openHandlerModule } from '../../src/backends/handler-module.js';
import { importPeer } from '../../src/backends/optional-peer.js';
import { withPayloadRefs } from '../../src/backends/payload-ref-runtime.js';
import { takeColdStartMs } from '../../src/contract/cold-start.js';
import { decodeError } from '../../src/contract/error-codec.js';
import type { Runtime } from '../../src/contract/runtime.js';
import { isOffloadError, type MissingPeerError, type StaleBundleError, ValidationError } from '../../src/errors.js';
import { withInvocationSpan } from '../../src/observability/invocation-span.js';
import { type CloudFunctionHandlerOptions, resolveHandlerOptions } from './handler-options.js';
import { type ErrorBody, HandlerErrorCode, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './protocol.js';
import { readCappedBody, unreadBody } from './read-body.js';
import { ReplayGuard } from './replay-guard.js';
import { verifyRequest } from './signing.js';

export type { HandlerTaskModule } from '../../src/backends/handler-module.js';
export { BUNDLE_HASH_ENV } from '../../src/contract/platform.js';
export type { CloudFunctionHandlerOptions } from './handler-options.js';
export type { ErrorBody } from './protocol.js';
export { ENVELOPE_CONTENT_TYPE, HandlerErrorCode, MAX_PAYLOAD_BYTES, SIGNATURE_HEADER, SIGNING_SECRET_ENV, TIMESTAMP_HEADER } from './protocol.js';
export type { SignatureHeaders, VerifyOptions, VerifyResult } from './signing.js';
export { DEFAULT_MAX_CLOCK_SKEW_MS, signRequest, verifyRequest } from './signing.js';

/** The task module a function serves (kept as the name this entry exported before `HandlerTaskModule`). */
export type CloudFunctionTaskModule = HandlerTaskModule;

/** The handler: an HTTP function of the Functions Framework (`http(name, handler)`); it never rejects. */
export type CloudFunctionHandler = (req: Request, res: Response) => Promise<void>;

/**
 * The Functions Framework (an optional peer), loaded once with this module: it
 * is installed wherever `registerCloudFunction` runs (Cloud Functions, `spillway
 * dev`). Without it, `createCloudFunctionHandler` still works and
 * `registerCloudFunction` throws the MissingPeerError.
 */
const framework: typeof import('@google-cloud/functions-framework') | MissingPeerError = await importPeer('@google-cloud/functions-framework', {
  feature: 'registerCloudFunction() of spillway/gcp-functions/handler',
  load: () => import('@google-cloud/functions-framework'),
}).catch((error: unknown) => {
  if (isOffloadError(error, 'ERR_MISSING_PEER')) return error as MissingPeerError;
  throw error;
});

const NO_BODY = Symbol('no parsed body');

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The exact bytes received: the Functions Framework keeps them as `rawBody`; other servers may leave a Buffer or string in `body`. */
function rawBodyOf(req: Request): Buffer | undefined {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  return undefined;
}

/** The body the framework already parsed as JSON (content type application/json), so it is not parsed twice. */
function parsedJsonOf(req: Request): unknown {
  const mediaType = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  const { body } = req;
  if (mediaType !== 'application/json' || body === undefined || Buffer.isBuffer(body) || typeof body === 'string') return NO_BODY;
  return body;
}

/** The request body as bytes (or as JSON the framework parsed), read within `maxBodyBytes`; `undefined` once it answered 413. */
async function receivedBody(req: Request, res: Response, maxBodyBytes: number): Promise<{ bytes: Buffer | undefined; preParsed: unknown } | undefined> {
  let bytes = rawBodyOf(req);
  const preParsed = parsedJsonOf(req);
  let partial = false;
  let sizeBytes = bytes?.length ?? (preParsed === NO_BODY ? 0 : Buffer.byteLength(JSON.stringify(preParsed) ?? ''));
  if (bytes === undefined && preParsed === NO_BODY && unreadBody(req)) {
    // No body parser ran: read the body here, within the cap.
    const body = await readCappedBody(req, maxBodyBytes);
    sizeBytes = body.ok ? body.bytes.length : body.sizeBytes;
    if (body.ok) bytes = body.bytes;
    else {
      partial = body.partial;
      // The rest of an oversized body is not read: the connection closes after the answer.
      res.set('connection', 'close');
    }
  }
  if (sizeBytes > maxBodyBytes) {
    sendError(res, 413, {
      code: HandlerErrorCode.payloadTooLarge,
      message: `The request body is ${partial ? 'at least ' : ''}${sizeBytes} bytes, over this function's limit of ${maxBodyBytes} bytes (maxBodyBytes): send a smaller task input`,
      sizeBytes,
      limitBytes: maxBodyBytes,
    });
    return;
  }
  return { bytes, preParsed };
}

function optional(key: string, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [key]: value };
}

function sendError(res: Response, status: number, error: ErrorBody['error']): void {
  res.status(status).json({ error } satisfies ErrorBody);
}

/**
 * Creates the HTTP handler for a task module (its URL or path, or its
 * imported namespace with `bundleHash`), by the loading rules of
 * `src/backends/handler-module.ts`, shared with the Lambda handler. Register
 * it with the Functions Framework's `http(name, handler)`, or use
 * `registerCloudFunction`. Throws `ValidationError` at once for invalid
 * options or a namespace without a bundle hash or tasks; while a module URL
 * fails to load, requests answer 500 and the next one tries again.
 */
export function createCloudFunctionHandler(taskModule: HandlerTaskModule, options: CloudFunctionHandlerOptions = {}): CloudFunctionHandler {
  const { bundleHash, signingSecret, maxBodyBytes, maxClockSkewMs } = resolveHandlerOptions(options);
  const module = openHandlerModule(taskModule, { bundleHash, entry: 'createCloudFunctionHandler', backend: 'gcp-functions' });
  const replays = new ReplayGuard(maxClockSkewMs);
  // Report a module that cannot load at start; requests then answer 500 with the reason.
  module.runtime().catch((error: unknown) => {
    console.error((error as Error)?.message ?? String(error));
  });

  async function handle(req: Request, res: Response): Promise<void> {
    const coldStartMs = takeColdStartMs('gcf');
    if (req.method !== 'POST') {
      res.set('allow', 'POST');
      sendError(res, 405, {
        code: HandlerErrorCode.methodNotAllowed,
        message: `Expected a POST whose body is a spillway task envelope, got ${req.method}`,
      });
      return;
    }
    const received = await receivedBody(req, res, maxBodyBytes);
    if (received === undefined) return;
    const { bytes, preParsed } = received;
    if (signingSecret !== undefined) {
      const verdict =
        bytes === undefined
          ? { ok: false as const, reason: 'The raw request body is not available to verify its signature: serve this handler with the Functions Framework' }
          : verifyRequest(bytes, { timestamp: header(req, TIMESTAMP_HEADER), signature: header(req, SIGNATURE_HEADER) }, signingSecret, { maxClockSkewMs });
      if (!verdict.ok) {
        sendError(res, 401, { code: HandlerErrorCode.unauthorized, message: verdict.reason });
        return;
      }
      if (!replays.accept(header(req, SIGNATURE_HEADER) ?? '', Number(header(req, TIMESTAMP_HEADER)))) {
        sendError(res, 401, {
          code: HandlerErrorCode.replayed,
          message:
            'This signed request was already accepted by this function instance: sign every request anew (the client does) and do not resend captured requests',
        });
        return;
      }
    }
    let envelope: unknown = preParsed;
    if (envelope === NO_BODY) {
      const text = bytes?.toString('utf8') ?? '';
      try {
        envelope = JSON.parse(text);
      } catch (error) {
        sendError(res, 400, {
          code: HandlerErrorCode.badEnvelope,
          message: `The request body is not JSON (${text === '' ? 'it is empty' : (error as Error).message}): send a spillway task envelope as JSON`,
        });
        return;
      }
    }
    let ready: Runtime;
    try {
      ready = withPayloadRefs(module.loaded ?? (await module.runtime()));
    } catch (error) {
      sendError(res, 500, {
        code: HandlerErrorCode.taskModule,
        message: `${(error as Error)?.message ?? String(error)}. Fix the module and redeploy`,
      });
      return;
    }
    const traceparent = header(req, 'traceparent');
    const httpTrace = traceparent === undefined ? undefined : { traceparent, ...optional('tracestate', header(req, 'tracestate')) };
    const facts = { trigger: 'http' as const, invocationId: header(req, 'function-execution-id'), functionName: process.env.K_SERVICE };
    const executed = await withInvocationSpan(facts, envelope, httpTrace, () => ready.execute(envelope));
    // The first request of an instance reports its startup, which Cloud Run bills.
    const result = coldStartMs === undefined ? executed : { ...executed, coldStartMs };
    if (!result.ok && result.kind === 'bad-envelope') {
      const { path } = result.error;
      sendError(res, 400, { code: HandlerErrorCode.badEnvelope, message: result.error.message, ...(path === undefined ? {} : { path }) });
      return;
    }
    if (!result.ok && result.kind === 'stale-bundle') {
      const stale = decodeError('stale-bundle', result.error, {}) as StaleBundleError;
      sendError(res, 409, { code: HandlerErrorCode.staleBundle, message: stale.message, expectedHash: stale.expectedHash, actualHash: stale.actualHash });
      return;
    }
    res.status(200).json(result);
  }

  return async (req, res) => {
    try {
      await handle(req, res);
    } catch (error) {
      // A bug, not a task error (those come back inside the result): answer rather than crash the instance.
      if (!res.headersSent)
        sendError(res, 500, { code: HandlerErrorCode.internal, message: `The spillway handler failed: ${(error as Error)?.message ?? String(error)}` });
    }
  };
}

/** The Functions Framework's rule for function names. */
const FUNCTION_NAME = /^[A-Za-z](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;

/**
 * Registers an HTTP function named `name` (the deploy's `--entry-point`, or
 * the framework's `--target`) that runs envelopes against `taskModule`
 * through the shared runtime. Call it at the top level of the entry module,
 * so the function exists when the Functions Framework looks it up.
 *
 * `taskModule` is the module's URL or path (imported in the background; its
 * content hash is the bundle hash unless `bundleHash` or
 * `SPILLWAY_BUNDLE_HASH` says otherwise), or its imported namespace, which
 * needs `bundleHash` or `SPILLWAY_BUNDLE_HASH`.
 *
 * @throws {MissingPeerError} when `@google-cloud/functions-framework` is not installed.
 */
export function registerCloudFunction(name: string, taskModule: HandlerTaskModule, options: CloudFunctionHandlerOptions = {}): void {
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    throw new ValidationError(
      `Expected the Cloud Function name to be a letter, then up to 62 letters, digits, \`-\` or \`_\`, not ending in \`-\` or \`_\`, got ${JSON.stringify(name)}: use the name given as --entry-point`,
      { path: 'name' },
    );
  }
  if (framework instanceof Error) throw framework;
  framework.http(name, createCloudFunctionHandler(taskModule, options));
}
