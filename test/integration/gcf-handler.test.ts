// createCloudFunctionHandler in this process, served by the Functions
// Framework's own test server (getTestServer) on 127.0.0.1: the handler's
// checks, in order, and that a refused request runs nothing.
import type { Server } from 'node:http';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CloudFunctionHandlerOptions, createCloudFunctionHandler } from '../../adapters/gcp-functions/handler.js';
import { signRequest } from '../../adapters/gcp-functions/signing.js';
import { ENVELOPE_VERSION, type ResultEnvelope, serialize, type TaskEnvelope } from '../../src/contract/index.js';
import { offloadable } from '../../src/index.js';
import { envelopeOf } from '../support/envelopes.js';

const SECRET = 'handler-test-signing-secret';
const BUNDLE = 'test-bundle';
let runs = 0;
const tasks = {
  count: offloadable('count', (step: number) => {
    runs += step;
    return runs;
  }),
  refuse: offloadable('refuse', (reason: string) => {
    throw Object.assign(new RangeError(reason), { code: 'E_REFUSED' });
  }),
};

const servers: Server[] = [];
let names = 0;

/** Registers a handler under a fresh name and serves it on 127.0.0.1; resolves with its URL. */
async function serve(taskModule: Parameters<typeof createCloudFunctionHandler>[0], options: CloudFunctionHandlerOptions): Promise<string> {
  const name = `spillwayTest${++names}`;
  http(name, createCloudFunctionHandler(taskModule, options));
  const server = getTestServer(name);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/vnd.spillway.envelope+json', ...headers } });
}

function countEnvelope(extra: Partial<TaskEnvelope> = {}): TaskEnvelope {
  return envelopeOf('count', 1, { bundleHash: BUNDLE, ...extra });
}

let signedUrl: string;
let plainUrl: string;

beforeAll(async () => {
  [signedUrl, plainUrl] = await Promise.all([
    serve(tasks, { bundleHash: BUNDLE, signingSecret: SECRET, maxBodyBytes: 4096 }),
    serve(tasks, { bundleHash: BUNDLE, maxBodyBytes: 4096 }),
  ]);
});

afterEach(() => {
  runs = 0;
  vi.restoreAllMocks();
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('createCloudFunctionHandler with signing', () => {
  it('runs a rightly signed request', async () => {
    const body = JSON.stringify(countEnvelope());
    const response = await post(signedUrl, body, { ...signRequest(body, SECRET) });
    expect(response.status).toBe(200);
    expect(((await response.json()) as ResultEnvelope).ok).toBe(true);
    expect(runs).toBe(1);
  });

  it('answers 401 and runs nothing for unsigned, wrongly signed, tampered and stale requests', async () => {
    const body = JSON.stringify(countEnvelope());
    const attempts: Array<[string, Record<string, string>, RegExp]> = [
      [body, {}, /not signed/],
      [body, { ...signRequest(body, 'some-other-secret-value') }, /does not match/],
      [body.replace('"attempt":1', '"attempt":2'), { ...signRequest(body, SECRET) }, /does not match/],
      [body, { ...signRequest(body, SECRET, Date.now() - 10 * 60 * 1000) }, /away from the function's clock/],
    ];
    for (const [sent, headers, reason] of attempts) {
      const response = await post(signedUrl, sent, headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: 'ERR_UNAUTHORIZED', message: expect.stringMatching(reason) } });
    }
    expect(runs).toBe(0);
  });

  it('verifies the raw bytes of an application/json body the framework parsed', async () => {
    const body = JSON.stringify(countEnvelope(), null, 2);
    const response = await post(signedUrl, body, { 'content-type': 'application/json', ...signRequest(body, SECRET) });
    expect(response.status).toBe(200);
    expect(runs).toBe(1);
  });
});

describe('createCloudFunctionHandler checks', () => {
  it('answers 413 to a body over maxBodyBytes, before anything else', async () => {
    const body = JSON.stringify(countEnvelope({ input: serialize('x'.repeat(5000), 'input') }));
    const response = await post(signedUrl, body);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: {
        code: 'ERR_PAYLOAD_TOO_LARGE',
        message: expect.stringMatching(/over this function's limit of 4096 bytes/),
        sizeBytes: body.length,
        limitBytes: 4096,
      },
    });
    expect(runs).toBe(0);
  });

  it('answers 400 to an empty body, and to an input the codec cannot decode', async () => {
    const empty = await post(plainUrl, '');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/not JSON \(it is empty\)/);
    const undecodable = await post(plainUrl, JSON.stringify(countEnvelope({ input: 'not devalue' })));
    expect(undecodable.status).toBe(400);
    expect(await undecodable.json()).toEqual({
      error: { code: 'ERR_BAD_ENVELOPE', message: expect.stringMatching(/Cannot decode the input of task "count"/), path: 'input' },
    });
    expect(runs).toBe(0);
  });

  it('answers 409 with both hashes to another bundle, and runs nothing', async () => {
    const response = await post(plainUrl, JSON.stringify(countEnvelope({ bundleHash: 'older' })));
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: {
        code: 'ERR_STALE_BUNDLE',
        message: expect.stringMatching(/runs task module build test-bundle, but the caller sent older/),
        expectedHash: 'older',
        actualHash: BUNDLE,
      },
    });
    expect(runs).toBe(0);
  });

  it('answers 200 with the result envelope for a task error', async () => {
    const response = await post(plainUrl, JSON.stringify(envelopeOf('refuse', 'no thanks', { bundleHash: BUNDLE, id: 'e1' })));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      version: ENVELOPE_VERSION,
      id: 'e1',
      ok: false,
      kind: 'task',
      error: { name: 'RangeError', message: 'no thanks', code: 'E_REFUSED' },
    });
  });
});

describe('createCloudFunctionHandler task modules', () => {
  it('serves a module given by URL, with its file hash', async () => {
    const { hashTaskModule } = await import('../../src/contract/index.js');
    const moduleUrl = new URL('../fixtures/tasks.ts', import.meta.url);
    const url = await serve(moduleUrl, {});
    const response = await post(url, JSON.stringify(envelopeOf('echo', 'by url', { bundleHash: hashTaskModule(moduleUrl) })));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, output: serialize('by url', 'output') });
  });

  it('answers 500 naming the cause when the module cannot be loaded', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const url = await serve(new URL('../fixtures/no-such-tasks.mjs', import.meta.url), {});
    const response = await post(url, JSON.stringify(countEnvelope()));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: {
        code: 'ERR_TASK_MODULE',
        message: expect.stringMatching(
          /spillway could not load the task module .*no-such-tasks\.mjs: Cannot read the task module.*Fix the module and redeploy/,
        ),
      },
    });
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/spillway could not load the task module .*no-such-tasks\.mjs/));
  });
});
