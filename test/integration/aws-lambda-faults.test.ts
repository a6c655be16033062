// What the local emulator cannot produce, on the real Invoke REST path:
// msw answers the LambdaClient's HTTP requests (to 127.0.0.1, intercepted
// in-process) with the status codes, headers and bodies AWS Lambda sends:
// FunctionError with a LogResult tail, throttling, service faults, missing
// functions, refused credentials. Connection refusal uses a closed port.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { HttpResponse, http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LambdaInvokeError, lambda } from '../../adapters/aws-lambda/index.js';
import { ENVELOPE_VERSION, type ResultEnvelope, serialize, type TaskEnvelope } from '../../src/contract/index.js';
import { AbortError, BackendError, CapacityError, PayloadTooLargeError } from '../../src/index.js';
import { rejectionOf } from '../support/helpers.js';
import { freePort } from '../support/serverless-offline.js';

const ENDPOINT = 'http://127.0.0.1:4599';
const INVOKE_PATH = `${ENDPOINT}/2015-03-31/functions/:functionName/invocations`;
const FUNCTION = 'spillway-tasks';

interface SeenRequest {
  functionName: string;
  url: URL;
  headers: Headers;
  body: string;
}

const seen: SeenRequest[] = [];
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  seen.length = 0;
  vi.unstubAllEnvs();
});
afterAll(() => server.close());

function client(maxAttempts = 1): LambdaClient {
  return new LambdaClient({ endpoint: ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts });
}

function envelope(task = 'echo', input: unknown = 1, extra: Partial<TaskEnvelope> = {}): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: 'task-1', task, bundleHash: 'hash', attempt: 1, input: serialize(input, 'input'), ...extra };
}

/** Answers every Invoke request with `respond`, recording the request first. */
function answer(respond: (request: SeenRequest) => Response | Promise<Response>): void {
  server.use(
    http.post(INVOKE_PATH, async ({ request, params }) => {
      const record = { functionName: String(params.functionName), url: new URL(request.url), headers: request.headers, body: await request.text() };
      seen.push(record);
      return respond(record);
    }),
  );
}

/** An AWS error answer as Lambda's REST-JSON protocol sends it. */
function awsError(status: number, type: string, body: Record<string, unknown>): Response {
  return HttpResponse.json(body, { status, headers: { 'x-amzn-ErrorType': type, 'x-amzn-RequestId': 'req-err' } });
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

/** A promise and the function that resolves it (Promise.withResolvers arrived after Node 20). */
function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function okResult(id = 'task-1'): ResultEnvelope {
  return { version: ENVELOPE_VERSION, id, ok: true, output: serialize('done', 'output'), durationMs: 1 };
}

describe('lambda() requests', () => {
  it('sends a RequestResponse invocation with a log tail, the qualifier and the envelope as JSON', async () => {
    answer(() => HttpResponse.json(okResult()));
    const backend = lambda({ functionName: FUNCTION, qualifier: 'live', client: client() });
    const sent = envelope('echo', { a: 1 });
    const result = await backend.invoke(sent);
    expect(result).toEqual(okResult());
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request.functionName).toBe(FUNCTION);
    expect(request.url.searchParams.get('Qualifier')).toBe('live');
    expect(request.headers.get('x-amz-invocation-type')).toBe('RequestResponse');
    expect(request.headers.get('x-amz-log-type')).toBe('Tail');
    expect(JSON.parse(request.body)).toEqual(sent);
    await backend.destroy();
  });

  it('creates its own client with maxAttempts 1: a service fault is sent once', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', ENDPOINT);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    answer(() => awsError(500, 'ServiceException', { Type: 'Service', Message: 'internal failure' }));
    const backend = lambda({ functionName: FUNCTION, region: 'us-east-1' });
    const error = await rejectionOf(backend.invoke(envelope()));
    await backend.destroy();
    expect(error).toBeInstanceOf(BackendError);
    expect(seen).toHaveLength(1);
  });

  it('a client left at the SDK default of 3 attempts multiplies them (why maxAttempts: 1 is documented)', async () => {
    answer(() => awsError(500, 'ServiceException', { Type: 'Service', Message: 'internal failure' }));
    const backend = lambda({ functionName: FUNCTION, client: client(3) });
    await rejectionOf(backend.invoke(envelope()));
    await backend.destroy();
    expect(seen).toHaveLength(3);
  });
});

describe('lambda() fault mapping', () => {
  it('maps FunctionError to a retryable LambdaInvokeError with the decoded log tail and the error type', async () => {
    const tail = 'START RequestId: r-1\nEND RequestId: r-1\nREPORT RequestId: r-1 Duration: 3000.00 ms Status: timeout\n';
    answer(() =>
      HttpResponse.json(
        { errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: r-1 Error: Task timed out after 3.00 seconds' },
        { headers: { 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Log-Result': Buffer.from(tail).toString('base64'), 'x-amzn-RequestId': 'r-1' } },
      ),
    );
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const error = await rejectionOf(backend.invoke(envelope('digest')));
    await backend.destroy();
    expect(error).toBeInstanceOf(LambdaInvokeError);
    expect(error).toBeInstanceOf(BackendError);
    const failure = error as LambdaInvokeError;
    expect(failure.code).toBe('ERR_LAMBDA_FUNCTION_ERROR');
    expect(failure.retryable).toBe(true);
    expect(failure.functionError).toBe('Unhandled');
    expect(failure.errorType).toBe('Sandbox.Timedout');
    expect(failure.logTail).toBe(tail);
    expect(failure.requestId).toBe('r-1');
    expect(failure.message).toContain('Sandbox.Timedout: RequestId: r-1 Error: Task timed out after 3.00 seconds');
    expect(failure.taskName).toBe('digest');
    expect(failure.backend).toBe('lambda');
  });

  it('keeps the payload text of a FunctionError whose payload is not JSON', async () => {
    answer(() => new HttpResponse('Runtime exited with error: signal: killed', { headers: { 'X-Amz-Function-Error': 'Unhandled' } }));
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const error = (await rejectionOf(backend.invoke(envelope()))) as LambdaInvokeError;
    await backend.destroy();
    expect(error.code).toBe('ERR_LAMBDA_FUNCTION_ERROR');
    expect(error.logTail).toBeUndefined();
    expect(error.message).toContain('Runtime exited with error: signal: killed');
  });

  it('maps TooManyRequestsException to a retryable CapacityError', async () => {
    answer(() =>
      awsError(429, 'TooManyRequestsException', {
        Type: 'User',
        message: 'Rate Exceeded.',
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        retryAfterSeconds: '2',
      }),
    );
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const error = await rejectionOf(backend.invoke(envelope()));
    await backend.destroy();
    expect(error).toBeInstanceOf(CapacityError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_THROTTLED', providerCode: 'TooManyRequestsException' });
    expect((error as CapacityError).retryable).toBe(true);
    expect((error as Error).message).toContain('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect((error as Error).message).toContain('retry after 2 s');
    expect((error as Error).message).toContain('`maxConcurrency`');
  });

  it.each([
    [500, 'ServiceException', 'ERR_LAMBDA_SERVICE', true],
    [503, '', 'ERR_LAMBDA_SERVICE', true],
    [502, 'ResourceNotReadyException', 'ERR_LAMBDA_NOT_READY', true],
    [409, 'ResourceConflictException', 'ERR_LAMBDA_NOT_READY', true],
    [502, 'KMSAccessDeniedException', 'ERR_LAMBDA_CONFIGURATION', false],
    [404, 'ResourceNotFoundException', 'ERR_LAMBDA_NOT_FOUND', false],
    [403, 'AccessDeniedException', 'ERR_LAMBDA_ACCESS_DENIED', false],
    [403, 'UnrecognizedClientException', 'ERR_LAMBDA_ACCESS_DENIED', false],
    [400, 'InvalidRequestContentException', 'ERR_LAMBDA_BAD_REQUEST', false],
    [400, 'InvalidParameterValueException', 'ERR_LAMBDA_BAD_REQUEST', false],
  ])('maps HTTP %i %s to %s (retryable: %s)', async (status, type, code, retryable) => {
    answer(() =>
      type === '' ? new HttpResponse('<html>Service Unavailable</html>', { status }) : awsError(status, type, { Type: 'User', Message: `${type} happened` }),
    );
    const backend = lambda({ functionName: FUNCTION, qualifier: '7', client: client() });
    const error = await rejectionOf(backend.invoke(envelope()));
    await backend.destroy();
    expect(error).toBeInstanceOf(LambdaInvokeError);
    const failure = error as LambdaInvokeError;
    expect(failure.code).toBe(code);
    expect(failure.retryable).toBe(retryable);
    expect(failure.statusCode).toBe(status);
    expect(failure.functionName).toBe(FUNCTION);
    expect(failure.qualifier).toBe('7');
    expect(failure.message).toContain(`"${FUNCTION}:7"`);
  });

  it('says what to fix for a missing function and for a missing permission', async () => {
    answer(() => awsError(404, 'ResourceNotFoundException', { Type: 'User', Message: `Function not found: arn:aws:lambda:us-east-1:1:function:${FUNCTION}` }));
    const missing = lambda({ functionName: FUNCTION, client: client() });
    const notFound = (await rejectionOf(missing.invoke(envelope()))) as Error;
    expect(notFound.message).toContain('region us-east-1');
    expect(notFound.message).toContain('`functionName`, `qualifier` and `region`');
    expect(notFound.message).toContain('spillway deploy lambda');
    answer(() => awsError(403, 'AccessDeniedException', { Message: 'User: arn:aws:iam::1:user/app is not authorized to perform: lambda:InvokeFunction' }));
    const denied = (await rejectionOf(missing.invoke(envelope()))) as Error;
    await missing.destroy();
    expect(denied.message).toContain('is not authorized to perform: lambda:InvokeFunction');
    expect(denied.message).toContain('lambda:InvokeFunction on the function');
  });

  it('maps RequestTooLargeException to PayloadTooLargeError', async () => {
    answer(() =>
      awsError(413, 'RequestTooLargeException', { Type: 'User', message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' }),
    );
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const error = await rejectionOf(backend.invoke(envelope()));
    await backend.destroy();
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).limitBytes).toBe(6 * 1024 * 1024);
    expect((error as PayloadTooLargeError).sizeBytes).toBe(Buffer.byteLength(JSON.stringify(envelope())));
  });

  it('refuses an oversized envelope without any request', async () => {
    answer(() => HttpResponse.json(okResult()));
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const error = await rejectionOf(backend.invoke(envelope('echo', 'é'.repeat(3 * 1024 * 1024 + 1))));
    await backend.destroy();
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['text that is not JSON', () => new HttpResponse('hello from another handler'), 'not JSON'],
    ['JSON that is no result envelope', () => HttpResponse.json({ statusCode: 200, body: 'hi' }), 'not a spillway result envelope'],
    ['the result of another task', () => HttpResponse.json(okResult('task-2')), 'another task id'],
  ])('refuses %s as a non-retryable bad response', async (_, respond, phrase) => {
    answer(respond);
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const error = (await rejectionOf(backend.invoke(envelope()))) as LambdaInvokeError;
    await backend.destroy();
    expect(error.code).toBe('ERR_LAMBDA_BAD_RESPONSE');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(phrase);
    expect(error.message).toContain('createLambdaHandler');
  });

  it('maps a refused connection to a retryable network error', async () => {
    // A real connection attempt to a port nobody listens on.
    const port = await freePort();
    server.use(http.post(`http://127.0.0.1:${port}/*`, () => passthrough()));
    const closed = new LambdaClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const backend = lambda({ functionName: FUNCTION, client: closed });
    const error = await rejectionOf(backend.invoke(envelope()));
    await backend.destroy();
    closed.destroy();
    expect(error).toBeInstanceOf(LambdaInvokeError);
    // Refused: the invocation provably never reached Lambda.
    expect((error as LambdaInvokeError).code).toBe('ERR_BACKEND_UNREACHABLE');
    expect((error as LambdaInvokeError).retryable).toBe(true);
  });
});

describe('lambda() lifecycle', () => {
  it('rejects with AbortError when the signal aborts while Lambda has not answered', async () => {
    const arrived = deferred();
    answer(() => {
      arrived.resolve();
      return new Promise<Response>(() => undefined);
    });
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const controller = new AbortController();
    const running = backend.invoke(envelope(), { signal: controller.signal });
    await arrived.promise;
    controller.abort(new Error('caller gave up'));
    const error = await rejectionOf(running);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error('caller gave up'));
    await backend.destroy();
  });

  it('does not send an attempt whose signal is already aborted', async () => {
    answer(() => HttpResponse.json(okResult()));
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const error = await rejectionOf(backend.invoke(envelope(), { signal: AbortSignal.abort() }));
    await backend.destroy();
    expect(error).toBeInstanceOf(AbortError);
    expect(seen).toHaveLength(0);
  });

  it('holds attempts beyond maxConcurrency in a queue until a slot frees', async () => {
    const releases: Array<() => void> = [];
    const arrivals: Deferred[] = [deferred(), deferred()];
    answer((request) => {
      const id = (JSON.parse(request.body) as TaskEnvelope).id;
      arrivals[seen.length - 1].resolve();
      return new Promise<Response>((resolve) => releases.push(() => resolve(HttpResponse.json(okResult(id)))));
    });
    const backend = lambda({ functionName: FUNCTION, client: client(), maxConcurrency: 1 });
    const dispatched: string[] = [];
    const first = backend.invoke(envelope('echo', 1, { id: 'a' }), { onDispatch: () => dispatched.push('a') });
    const second = backend.invoke(envelope('echo', 2, { id: 'b' }), { onDispatch: () => dispatched.push('b') });
    expect(backend.snapshot()).toEqual({ inFlight: 1, queued: 1 });
    await arrivals[0].promise;
    expect(dispatched).toEqual(['a']);
    releases[0]();
    await expect(first).resolves.toMatchObject({ id: 'a', ok: true });
    await arrivals[1].promise;
    expect(dispatched).toEqual(['a', 'b']);
    expect(backend.snapshot()).toEqual({ inFlight: 1, queued: 0 });
    releases[1]();
    await expect(second).resolves.toMatchObject({ id: 'b', ok: true });
    await backend.close();
  });

  it('runs many attempts at once without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    answer((request) => HttpResponse.json(okResult((JSON.parse(request.body) as TaskEnvelope).id)));
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const ids = Array.from({ length: 24 }, (_, index) => `t-${index}`);
    const results = await Promise.all(ids.map((id) => backend.invoke(envelope('echo', id, { id }))));
    await backend.close();
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(results.map((result) => result.id)).toEqual(ids);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('close() waits for attempts in flight, then refuses new ones', async () => {
    const arrived = deferred();
    let release: () => void = () => undefined;
    answer(() => {
      arrived.resolve();
      return new Promise<Response>((resolve) => {
        release = () => resolve(HttpResponse.json(okResult()));
      });
    });
    const backend = lambda({ functionName: FUNCTION, client: client() });
    const running = backend.invoke(envelope());
    await arrived.promise;
    let closed = false;
    const closing = backend.close().then(() => {
      closed = true;
    });
    const refused = await rejectionOf(backend.invoke(envelope()));
    expect(refused).toBeInstanceOf(CapacityError);
    expect((refused as CapacityError).code).toBe('ERR_CLOSED');
    expect(closed).toBe(false);
    release();
    await expect(running).resolves.toMatchObject({ ok: true });
    await closing;
    expect(closed).toBe(true);
  });

  it('destroy() rejects queued and running attempts with AbortError', async () => {
    const arrived = deferred();
    answer(() => {
      arrived.resolve();
      return new Promise<Response>(() => undefined);
    });
    const backend = lambda({ functionName: FUNCTION, client: client(), maxConcurrency: 1 });
    const running = rejectionOf(backend.invoke(envelope('echo', 1, { id: 'a' })));
    const queued = rejectionOf(backend.invoke(envelope('echo', 2, { id: 'b' })));
    await arrived.promise;
    await backend.destroy();
    expect(await running).toBeInstanceOf(AbortError);
    expect(await queued).toBeInstanceOf(AbortError);
    expect(seen).toHaveLength(1);
  });
});
