// The cloudFunctions() client against msw: every HTTP edge that has no
// local server to produce it. Requests go to a loopback address only.
import { delay, HttpResponse, http, type JsonBodyType } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { verifyRequest } from '../../adapters/gcp-functions/signing.js';
import { ENVELOPE_VERSION, type ResultEnvelope, serialize } from '../../src/contract/index.js';
import { AbortError, BackendError, CapacityError, isOffloadError, PayloadTooLargeError, StaleBundleError } from '../../src/index.js';
import { envelopeOf } from '../support/envelopes.js';
import { rejectionOf } from '../support/helpers.js';

const FUNCTION_URL = 'http://127.0.0.1:9/spillway';
const server = setupServer();
const received: Request[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  received.length = 0;
});
afterAll(() => server.close());

function okResult(id: string, value: unknown = 'done'): ResultEnvelope {
  return { version: ENVELOPE_VERSION, id, ok: true, output: serialize(value, 'output'), durationMs: 1 };
}

/** The function answers every POST with `status` and `body` (JSON unless a string). */
function answer(status: number, body: JsonBodyType, headers: Record<string, string> = {}): void {
  server.use(
    http.post(FUNCTION_URL, ({ request }) => {
      received.push(request.clone());
      return typeof body === 'string' ? new HttpResponse(body, { status, headers }) : HttpResponse.json(body, { status, headers });
    }),
  );
}

/** The function answers with the result of the envelope it receives. */
function echoResults(): void {
  server.use(
    http.post(FUNCTION_URL, async ({ request }) => {
      received.push(request.clone());
      const envelope = (await request.json()) as { id: string };
      return HttpResponse.json(okResult(envelope.id));
    }),
  );
}

const backend = () => cloudFunctions({ url: FUNCTION_URL, auth: 'none' });

describe('cloudFunctions facts', () => {
  it('has the documented defaults', () => {
    const gcf = backend();
    expect(gcf).toMatchObject({ name: 'gcf', kind: 'gcf', maxPayloadBytes: 32 * 1024 * 1024, maxConcurrency: 100, url: FUNCTION_URL });
    expect(gcf.pricing.memoryMb).toBe(256);
    expect(cloudFunctions({ url: FUNCTION_URL, auth: 'none', name: 'gcf-eu', maxConcurrency: 7 })).toMatchObject({ name: 'gcf-eu', maxConcurrency: 7 });
  });

  it('estimates the cost of an attempt from the price facts, rounding run time up to 100 ms', () => {
    const gcf = cloudFunctions({
      url: FUNCTION_URL,
      auth: 'none',
      pricing: { usdPerInvocation: 1, usdPerVcpuSecond: 10, vcpu: 1, usdPerGibSecond: 100, memoryMb: 512 },
    });
    // 1 + 0.2 s * (1 * 10 + 0.5 * 100)
    expect(gcf.estimateCostUsd(101)).toBeCloseTo(13);
    expect(gcf.estimateCostUsd(0)).toBe(1);
  });
});

describe('cloudFunctions request', () => {
  it('POSTs the envelope as JSON and resolves with the result envelope', async () => {
    echoResults();
    const envelope = envelopeOf('echo', { n: 1 });
    await expect(backend().invoke(envelope)).resolves.toEqual(okResult(envelope.id));
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.method).toBe('POST');
    expect(request.headers.get('content-type')).toBe('application/vnd.spillway.envelope+json');
    expect(request.headers.get('accept')).toBe('application/json');
    expect(request.headers.has('authorization')).toBe(false);
    expect(request.headers.has('x-spillway-signature')).toBe(false);
    expect(await request.text()).toBe(JSON.stringify(envelope));
  });

  it('signs the exact body it sends when signingSecret is set', async () => {
    echoResults();
    const signingSecret = 'client-and-function-share-this';
    await cloudFunctions({ url: FUNCTION_URL, auth: 'none', signingSecret }).invoke(envelopeOf('echo', 1));
    const [request] = received;
    const headers = {
      timestamp: request.headers.get('x-spillway-timestamp') ?? undefined,
      signature: request.headers.get('x-spillway-signature') ?? undefined,
    };
    const body = await request.text();
    expect(verifyRequest(body, headers, signingSecret)).toEqual({ ok: true });
    expect(verifyRequest(body, headers, 'some-other-secret-entirely').ok).toBe(false);
  });

  it('sends the headers of a custom auth function, sync or async, and tells it the url', async () => {
    echoResults();
    const seen: string[] = [];
    await cloudFunctions({
      url: FUNCTION_URL,
      auth: ({ url, signal }) => {
        seen.push(url);
        expect(signal).toBeInstanceOf(AbortSignal);
        return { Authorization: 'Bearer sync-token' };
      },
    }).invoke(envelopeOf('echo', 1));
    await cloudFunctions({ url: FUNCTION_URL, auth: async () => new Headers({ 'x-api-key': 'async-key' }) }).invoke(envelopeOf('echo', 1));
    expect(seen).toEqual([FUNCTION_URL]);
    expect(received[0].headers.get('authorization')).toBe('Bearer sync-token');
    expect(received[1].headers.get('x-api-key')).toBe('async-key');
  });

  it('fails with a non-retryable ERR_BACKEND_AUTH and sends nothing when auth throws', async () => {
    echoResults();
    const error = await rejectionOf(
      cloudFunctions({
        url: FUNCTION_URL,
        auth: () => {
          throw new Error('no credentials here');
        },
      }).invoke(envelopeOf('echo', 1)),
    );
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_AUTH', retryable: false, backend: 'gcf', taskName: 'echo' });
    expect((error as Error).message).toMatch(/no credentials here.*pass `auth`/);
    expect(received).toHaveLength(0);
  });
});

describe('cloudFunctions answers', () => {
  it('resolves with a task error inside the 200 result envelope', async () => {
    const envelope = envelopeOf('fails', 1);
    const result: ResultEnvelope = {
      version: ENVELOPE_VERSION,
      id: envelope.id,
      ok: false,
      kind: 'task',
      error: { name: 'QuotaError', message: 'no' },
      durationMs: 2,
    };
    answer(200, result);
    await expect(backend().invoke(envelope)).resolves.toEqual(result);
  });

  it("refuses a 200 whose body is not a result envelope, or is another task's", async () => {
    answer(200, { hello: 'world' });
    const error = await rejectionOf(backend().invoke(envelopeOf('echo', 1)));
    expect(error).toMatchObject({ name: 'BackendError', code: 'ERR_BACKEND_BAD_RESPONSE', retryable: false });
    expect((error as Error).message).toMatch(/not a spillway result envelope \(Invalid `result\.ok`/);
    answer(200, okResult('someone-else'));
    await expect(backend().invoke(envelopeOf('echo', 1))).rejects.toMatchObject({
      code: 'ERR_BACKEND_BAD_RESPONSE',
      message: expect.stringMatching(/another task/),
    });
  });

  it('maps 429 to a retryable CapacityError', async () => {
    answer(429, 'Rate exceeded.', { 'retry-after': '3' });
    const error = await rejectionOf(backend().invoke(envelopeOf('echo', 1)));
    expect(error).toBeInstanceOf(CapacityError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_THROTTLED', providerCode: 'HTTP 429', retryable: true, backend: 'gcf' });
    expect((error as Error).message).toMatch(/HTTP 429, retry after 3\): Rate exceeded\./);
  });

  it('maps 5xx to a retryable BackendError whose code names the status', async () => {
    answer(503, '<html><body><h1>Service Unavailable</h1></body></html>');
    const error = await rejectionOf(backend().invoke(envelopeOf('echo', 1)));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_HTTP_503', retryable: true, taskName: 'echo' });
    expect((error as Error).message).toMatch(/answered HTTP 503: Service Unavailable$/);
    answer(500, { error: { code: 'ERR_TASK_MODULE', message: 'The function cannot load its task module' } });
    await expect(backend().invoke(envelopeOf('echo', 1))).rejects.toMatchObject({
      code: 'ERR_BACKEND_HTTP_500',
      retryable: true,
      message: expect.stringMatching(/cannot load its task module/),
    });
  });

  it('maps 413 to PayloadTooLargeError with the sizes the function reports', async () => {
    answer(413, { error: { code: 'ERR_PAYLOAD_TOO_LARGE', message: 'too big', sizeBytes: 5000, limitBytes: 4000 } });
    const error = await rejectionOf(backend().invoke(envelopeOf('echo', 1)));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE', retryable: false, sizeBytes: 5000, limitBytes: 4000 });
    answer(413, 'Request Entity Too Large');
    const envelope = envelopeOf('echo', 1);
    await expect(backend().invoke(envelope)).rejects.toMatchObject({ sizeBytes: JSON.stringify(envelope).length, limitBytes: 32 * 1024 * 1024 });
  });

  it('maps 409 to StaleBundleError with both hashes from the body', async () => {
    answer(409, { error: { code: 'ERR_STALE_BUNDLE', message: 'The backend runs task module build bbb', expectedHash: 'aaa', actualHash: 'bbb' } });
    const error = await rejectionOf(backend().invoke(envelopeOf('echo', 1)));
    expect(error).toBeInstanceOf(StaleBundleError);
    expect(error).toMatchObject({
      code: 'ERR_STALE_BUNDLE',
      retryable: false,
      expectedHash: 'aaa',
      actualHash: 'bbb',
      message: 'The backend runs task module build bbb',
    });
  });

  it.each([
    [400, 'ERR_BAD_ENVELOPE', /Malformed task envelope/],
    [401, 'ERR_UNAUTHORIZED', /signature does not match.*check `auth`/],
    [404, undefined, /Page not found.*check `url`/],
    [405, 'ERR_METHOD_NOT_ALLOWED', /Expected a POST/],
  ])('maps %i to a non-retryable BackendError with the server message', async (status, code, message) => {
    const text =
      status === 400
        ? 'Malformed task envelope'
        : status === 401
          ? 'The request signature does not match'
          : status === 405
            ? 'Expected a POST'
            : 'Page not found';
    answer(status, code === undefined ? text : { error: { code, message: text } });
    const error = await rejectionOf(backend().invoke(envelopeOf('echo', 1)));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: `ERR_BACKEND_HTTP_${status}`, retryable: false });
    expect((error as Error).message).toMatch(message);
  });

  it('does not follow a redirect', async () => {
    let followed = 0;
    server.use(
      http.post('http://127.0.0.1:9/elsewhere', () => {
        followed++;
        return HttpResponse.json({});
      }),
    );
    answer(307, '', { location: 'http://127.0.0.1:9/elsewhere' });
    await expect(backend().invoke(envelopeOf('echo', 1))).rejects.toMatchObject({ code: 'ERR_BACKEND_HTTP_307', retryable: false });
    expect(followed).toBe(0);
  });

  it('maps a connection that fails without an answer to a retryable BackendError', async () => {
    server.use(http.post(FUNCTION_URL, () => HttpResponse.error()));
    const error = await rejectionOf(backend().invoke(envelopeOf('echo', 1)));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_NETWORK', retryable: true });
  });
});

describe('cloudFunctions limits', () => {
  it('refuses an envelope over 32 MiB before sending it', async () => {
    echoResults();
    const envelope = envelopeOf('echo', 'x'.repeat(32 * 1024 * 1024));
    const error = await rejectionOf(backend().invoke(envelope));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ sizeBytes: Buffer.byteLength(JSON.stringify(envelope)), limitBytes: 32 * 1024 * 1024, taskName: 'echo' });
    expect((error as Error).message).toMatch(/over the 32\.00 MB \(33554432 bytes\) that backend "gcf" accepts \(maxPayloadBytes\); it was not sent/);
    expect(received).toHaveLength(0);
  });

  it('honours a lower maxPayloadBytes, counting bytes rather than characters', async () => {
    echoResults();
    const gcf = cloudFunctions({ url: FUNCTION_URL, auth: 'none', maxPayloadBytes: 400 });
    const small = envelopeOf('echo', 'é'.repeat(50));
    await expect(gcf.invoke(small)).resolves.toMatchObject({ ok: true });
    await expect(gcf.invoke(envelopeOf('echo', 'é'.repeat(200)))).rejects.toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE', limitBytes: 400 });
    expect(received).toHaveLength(1);
  });

  it('fails a call that outlasts timeoutMs with a retryable ERR_BACKEND_TIMEOUT', async () => {
    server.use(
      http.post(FUNCTION_URL, async () => {
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    const error = await rejectionOf(cloudFunctions({ url: FUNCTION_URL, auth: 'none', timeoutMs: 30 }).invoke(envelopeOf('echo', 1)));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_TIMEOUT', retryable: true });
    expect((error as Error).message).toMatch(/within 30 ms/);
  });

  it("never cuts a call before the task's own timeoutMs (plus headroom) has passed", async () => {
    server.use(
      http.post(FUNCTION_URL, async ({ request }) => {
        await delay(150);
        return HttpResponse.json(okResult(((await request.json()) as { id: string }).id));
      }),
    );
    const gcf = cloudFunctions({ url: FUNCTION_URL, auth: 'none', timeoutMs: 10 });
    await expect(gcf.invoke(envelopeOf('sleep', 100, { timeoutMs: 100 }))).resolves.toMatchObject({ ok: true });
  });

  it('rejects with AbortError when the signal aborts during the call', async () => {
    server.use(
      http.post(FUNCTION_URL, async () => {
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    const controller = new AbortController();
    const pending = backend().invoke(envelopeOf('echo', 1), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 10);
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ code: 'ERR_ABORTED', retryable: false });
    expect((error as Error).cause).toMatchObject({ message: 'user gave up' });
  });

  it('sends nothing for an already aborted signal', async () => {
    echoResults();
    await expect(backend().invoke(envelopeOf('echo', 1), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(received).toHaveLength(0);
  });
});

describe('cloudFunctions concurrency and lifecycle', () => {
  /** The function holds every request until `release()` is called. */
  function holdRequests(): { release: () => void; active: () => number; peak: () => number } {
    let releaseAll: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      releaseAll = resolve;
    });
    let active = 0;
    let peak = 0;
    server.use(
      http.post(FUNCTION_URL, async ({ request }) => {
        received.push(request.clone());
        active++;
        peak = Math.max(peak, active);
        await released;
        active--;
        return HttpResponse.json(okResult(((await request.json()) as { id: string }).id));
      }),
    );
    return { release: releaseAll, active: () => active, peak: () => peak };
  }

  async function until(condition: () => boolean): Promise<void> {
    for (let round = 0; round < 500 && !condition(); round++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(condition()).toBe(true);
  }

  it('keeps at most maxConcurrency calls in flight; the rest wait in order and dispatch later', async () => {
    const held = holdRequests();
    const gcf = cloudFunctions({ url: FUNCTION_URL, auth: 'none', maxConcurrency: 2 });
    const dispatched: string[] = [];
    const envelopes = [envelopeOf('echo', 1), envelopeOf('echo', 2), envelopeOf('echo', 3)];
    const pending = envelopes.map((envelope) => gcf.invoke(envelope, { onDispatch: () => dispatched.push(envelope.id) }));
    await until(() => held.active() === 2);
    expect(gcf.snapshot()).toEqual({ inFlight: 2, queued: 1 });
    expect(dispatched).toEqual([envelopes[0].id, envelopes[1].id]);
    held.release();
    const results = await Promise.all(pending);
    expect(results.map((result) => result.id)).toEqual(envelopes.map((envelope) => envelope.id));
    expect(dispatched).toEqual(envelopes.map((envelope) => envelope.id));
    expect(held.peak()).toBe(2);
    expect(gcf.snapshot()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('drops a waiting call whose signal aborts, without sending it', async () => {
    const held = holdRequests();
    const gcf = cloudFunctions({ url: FUNCTION_URL, auth: 'none', maxConcurrency: 1 });
    const first = gcf.invoke(envelopeOf('echo', 1));
    const controller = new AbortController();
    const second = gcf.invoke(envelopeOf('echo', 2), { signal: controller.signal });
    await until(() => held.active() === 1);
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    held.release();
    await first;
    expect(received).toHaveLength(1);
  });

  it('close() waits for calls in flight, then refuses new ones with ERR_CLOSED', async () => {
    const held = holdRequests();
    const gcf = backend();
    const pending = gcf.invoke(envelopeOf('echo', 1));
    await until(() => held.active() === 1);
    let closed = false;
    const closing = gcf.close().then(() => {
      closed = true;
    });
    await expect(gcf.invoke(envelopeOf('echo', 2))).rejects.toMatchObject({ name: 'CapacityError', code: 'ERR_CLOSED', retryable: false });
    expect(closed).toBe(false);
    held.release();
    await expect(pending).resolves.toMatchObject({ ok: true });
    await closing;
    expect(closed).toBe(true);
  });

  it('destroy() aborts calls in flight and waiting', async () => {
    const held = holdRequests();
    const gcf = cloudFunctions({ url: FUNCTION_URL, auth: 'none', maxConcurrency: 1 });
    const running = rejectionOf(gcf.invoke(envelopeOf('echo', 1)));
    const waiting = rejectionOf(gcf.invoke(envelopeOf('echo', 2)));
    await until(() => held.active() === 1);
    await gcf.destroy();
    const errors = await Promise.all([running, waiting]);
    for (const error of errors) {
      expect(isOffloadError(error, 'ERR_ABORTED')).toBe(true);
      expect((error as Error).message).toMatch(/gcf backend was destroyed/);
    }
    held.release();
  });
});
