// The Cloud Functions backend end to end: the real Functions Framework CLI
// (the server Cloud Functions runs) in a child process on 127.0.0.1, serving
// test/fixtures/gcf-tasks.mjs through the built handler, called through
// cloudFunctions().invoke(). `npm test` builds dist/ first.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { decodeError, deserialize, hashTaskModule, type ResultEnvelope } from '../../src/contract/index.js';
import { BackendError, PayloadTooLargeError, SerializationError, StaleBundleError, TaskError, TimeoutError, ValidationError } from '../../src/index.js';
import { gcfBackendFactory } from '../contract/backends/gcf.js';
import { remoteEnvelope, remoteTasksUrl } from '../support/envelopes.js';
import { type FunctionsFrameworkServer, freePort, GCF_TEST_ENTRY, startFunctionsFramework } from '../support/functions-framework.js';
import { rejectionOf } from '../support/helpers.js';

const SECRET = 'integration-test-signing-secret';
let plain: FunctionsFrameworkServer;
let signed: FunctionsFrameworkServer;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'spillway-gcf-'));
  [plain, signed] = await Promise.all([
    startFunctionsFramework({ source: GCF_TEST_ENTRY }),
    startFunctionsFramework({ source: GCF_TEST_ENTRY, signingSecret: SECRET }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.stop(), signed?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

function failureOf(result: ResultEnvelope): Extract<ResultEnvelope, { ok: false }> {
  if (result.ok) throw new Error(`expected a failed result, got output ${result.output}`);
  return result;
}

function outputOf(result: ResultEnvelope): unknown {
  if (!result.ok) throw new Error(`expected success, got ${result.kind}: ${result.error.message}`);
  return deserialize(result.output);
}

describe('the Functions Framework server', () => {
  const gcf = () => cloudFunctions({ url: plain.url, auth: 'none' });

  it('runs a task and round-trips rich values', async () => {
    const value = {
      when: new Date(Date.UTC(2024, 1, 29)),
      big: 2n ** 70n,
      map: new Map<unknown, unknown>([
        ['k', new Set([1, 'two'])],
        [3, null],
      ]),
      set: new Set([new Date(0)]),
      buffer: Buffer.from('spillway'),
      missing: undefined,
      nan: Number.NaN,
      infinity: Number.NEGATIVE_INFINITY,
      text: 'ünïcödé ✓',
    };
    const back = outputOf(await gcf().invoke(remoteEnvelope('echo', value))) as typeof value;
    expect(back).toEqual(value);
    expect('missing' in back).toBe(true);
    expect(Number.isNaN(back.nan)).toBe(true);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(back.map.get('k')).toEqual(new Set([1, 'two']));
  });

  it("returns a task's error with its class name, code, custom field and cause", async () => {
    const failure = failureOf(await gcf().invoke(remoteEnvelope('failQuota', 7)));
    expect(failure.kind).toBe('task');
    const error = decodeError(failure.kind, failure.error, { backend: 'gcf', taskName: 'failQuota' });
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ name: 'QuotaError', code: 'E_QUOTA', quota: 7, message: 'quota of 7 exceeded', backend: 'gcf' });
    expect((error.cause as Error).message).toBe('upstream said no');
    expect(error.stack).toMatch(/gcf-tasks\.mjs/);
  });

  it('validates input with the task schema where it runs', async () => {
    const failure = failureOf(await gcf().invoke(remoteEnvelope('add', { a: 1, b: 1.5 })));
    expect(failure.kind).toBe('validation');
    const error = decodeError(failure.kind, failure.error, {});
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_INPUT', path: 'input.b' });
    expect(outputOf(await gcf().invoke(remoteEnvelope('add', { a: 1.5, b: 2 })))).toBe(3.5);
  });

  it('answers an unknown task with the names the module exports', async () => {
    const failure = failureOf(await gcf().invoke(remoteEnvelope('rm -rf', null)));
    expect(failure.kind).toBe('unknown-task');
    const error = decodeError(failure.kind, failure.error, {});
    expect(error).toMatchObject({ name: 'ValidationError', code: 'ERR_UNKNOWN_TASK' });
    expect(error.message).toMatch(/Unknown task "rm -rf": the task module exports .*"echo"/);
  });

  it('refuses an output that cannot be serialized, naming its path', async () => {
    const failure = failureOf(await gcf().invoke(remoteEnvelope('returnsFunction', null)));
    expect(failure.kind).toBe('serialization');
    expect(decodeError(failure.kind, failure.error, {})).toMatchObject({ name: 'SerializationError', path: 'output.callback' });
    expect(decodeError(failure.kind, failure.error, {})).toBeInstanceOf(SerializationError);
  });

  it("stops a task at the envelope's timeoutMs and reports kind 'timeout'", async () => {
    const failure = failureOf(await gcf().invoke(remoteEnvelope('sleep', 10_000, { timeoutMs: 50 })));
    expect(failure.kind).toBe('timeout');
    const error = decodeError(failure.kind, failure.error, {});
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 50 });
    expect(outputOf(await gcf().invoke(remoteEnvelope('sleep', 1, { timeoutMs: 5_000 })))).toBe('slept');
  });

  it('refuses an envelope built against another bundle with StaleBundleError (HTTP 409)', async () => {
    const error = await rejectionOf(gcf().invoke(remoteEnvelope('echo', 1, { bundleHash: 'an-older-build' })));
    expect(error).toBeInstanceOf(StaleBundleError);
    expect(error).toMatchObject({ expectedHash: 'an-older-build', actualHash: hashTaskModule(remoteTasksUrl), retryable: false });
    expect((error as Error).message).toMatch(/redeploy the bundle/);
  });

  it('refuses an envelope over 32 MiB before sending it, and the server refuses one with 413', async () => {
    const huge = remoteEnvelope('echo', 'x'.repeat(32 * 1024 * 1024));
    const local = await rejectionOf(gcf().invoke(huge));
    expect(local).toBeInstanceOf(PayloadTooLargeError);
    expect(local).toMatchObject({ limitBytes: 32 * 1024 * 1024, sizeBytes: Buffer.byteLength(JSON.stringify(huge)) });
    // A client with a higher limit sends it; the function answers 413.
    const remote = await rejectionOf(cloudFunctions({ url: plain.url, auth: 'none', maxPayloadBytes: 64 * 1024 * 1024 }).invoke(huge));
    expect(remote).toBeInstanceOf(PayloadTooLargeError);
    expect(remote).toMatchObject({ limitBytes: 32 * 1024 * 1024, sizeBytes: Buffer.byteLength(JSON.stringify(huge)) });
    expect((remote as Error).message).toMatch(/refused the task envelope as too large \(HTTP 413\): .*maxBodyBytes/);
  });

  it('answers 405 to anything but POST', async () => {
    const response = await fetch(plain.url);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toEqual({ error: { code: 'ERR_METHOD_NOT_ALLOWED', message: expect.stringMatching(/Expected a POST.*got GET/) } });
  });

  it('answers 400 with a JSON error to a body that is not JSON or not an envelope', async () => {
    const post = (body: string) => fetch(plain.url, { method: 'POST', body, headers: { 'content-type': 'application/vnd.spillway.envelope+json' } });
    const malformed = await post('{"version": 1, ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: { code: 'ERR_BAD_ENVELOPE', message: expect.stringMatching(/^The request body is not JSON/) } });
    const notEnvelope = await post('{"version": 1}');
    expect(notEnvelope.status).toBe(400);
    expect(((await notEnvelope.json()) as { error: { message: string } }).error.message).toMatch(/Malformed task envelope: .*`envelope\.id`/);
    // Through the client: a 400 is a non-retryable BackendError carrying the server's message.
    const { input: _input, ...withoutInput } = remoteEnvelope('echo', 1);
    const error = await rejectionOf(gcf().invoke(withoutInput as never));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_HTTP_400', retryable: false, message: expect.stringMatching(/`envelope\.input`/) });
  });

  it('accepts an envelope sent as application/json too', async () => {
    const envelope = remoteEnvelope('echo', [1, 2]);
    const response = await fetch(plain.url, { method: 'POST', body: JSON.stringify(envelope), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect(outputOf((await response.json()) as ResultEnvelope)).toEqual([1, 2]);
  });
});

describe('the Functions Framework server with a signing secret', () => {
  it('runs signed requests', async () => {
    const gcf = cloudFunctions({ url: signed.url, auth: 'none', signingSecret: SECRET });
    expect(outputOf(await gcf.invoke(remoteEnvelope('echo', 'signed')))).toBe('signed');
  });

  it('answers 401 to an unsigned request and a wrongly signed one, and runs nothing', async () => {
    const trace = join(scratch, 'ran-unsigned');
    const unsigned = await rejectionOf(cloudFunctions({ url: signed.url, auth: 'none' }).invoke(remoteEnvelope('touch', trace)));
    expect(unsigned).toBeInstanceOf(BackendError);
    expect(unsigned).toMatchObject({ code: 'ERR_BACKEND_HTTP_401', retryable: false, message: expect.stringMatching(/not signed/) });
    const wrong = await rejectionOf(
      cloudFunctions({ url: signed.url, auth: 'none', signingSecret: 'not-the-functions-secret' }).invoke(remoteEnvelope('touch', trace)),
    );
    expect(wrong).toMatchObject({ code: 'ERR_BACKEND_HTTP_401', message: expect.stringMatching(/signature does not match/) });
    expect(existsSync(trace)).toBe(false);
    // The same task, rightly signed, does leave its trace.
    await cloudFunctions({ url: signed.url, auth: 'none', signingSecret: SECRET }).invoke(remoteEnvelope('touch', trace));
    expect(existsSync(trace)).toBe(true);
  });
});

describe('transport faults', () => {
  it('maps a connection reset before any answer to a retryable ERR_BACKEND_NETWORK', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => socket.resetAndDestroy());
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const error = await rejectionOf(cloudFunctions({ url: `http://127.0.0.1:${port}/`, auth: 'none' }).invoke(remoteEnvelope('echo', 1)));
      expect(error).toBeInstanceOf(BackendError);
      expect(error).toMatchObject({ code: 'ERR_BACKEND_NETWORK', retryable: true, message: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/) });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the Functions Framework helper', () => {
  it('stops the server by pid', async () => {
    const server = await startFunctionsFramework({ source: GCF_TEST_ENTRY });
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expect(fetch(server.url)).rejects.toThrow();
  });
});

describe('the contract suite factory', () => {
  it('starts a signed function for a task module and stops it by pid', async () => {
    const started = await gcfBackendFactory.start(remoteTasksUrl);
    try {
      expect(started.backend).toMatchObject({ name: 'gcf', kind: 'gcf' });
      expect(outputOf(await started.backend.invoke(remoteEnvelope('echo', 'contract')))).toBe('contract');
    } finally {
      await started.stop();
    }
    await expect(started.backend.invoke(remoteEnvelope('echo', 1))).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });
});
