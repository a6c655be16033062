// Payloads by reference through S3, end to end: a real local S3-compatible
// server (s3rver on 127.0.0.1, which checks presigned URLs' expiry), the
// Lambda emulator (serverless-offline) and the Functions Framework, each
// running the built handler over test/fixtures/spill-tasks.mjs. The function
// side only fetches presigned URLs (node:http), as it would on AWS or GCP.
// The GCS store's tests: gcs-payload-store.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambda, s3PayloadStore } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import type { PayloadStore } from '../../src/contract/index.js';
import { AbortError, type Backend, createOffloader, type Offloader, PayloadTooLargeError, PayloadTransferError, type TaskError } from '../../src/index.js';
import { LAMBDA_ENTRY } from '../contract/backends/lambda.js';
// @ts-expect-error: a plain JavaScript fixture without declarations.
import { echo, failLoudly, measure, repeat, repeatLater } from '../fixtures/spill-tasks.mjs';
import { type FunctionsFrameworkServer, GCF_TEST_ENTRY, startFunctionsFramework } from '../support/functions-framework.js';
import { rejectionOf } from '../support/helpers.js';
import { binaryValue, expectSameBinary, recording } from '../support/payload-recording.js';
import { type S3Server, startS3Server } from '../support/s3-server.js';
import { type ServerlessOffline, startServerlessOffline } from '../support/serverless-offline.js';

const tasksUrl = new URL('../fixtures/spill-tasks.mjs', import.meta.url);
const BUCKET = 'spill';
const MB = 1024 * 1024;

let s3: S3Server;
let offline: ServerlessOffline;
let framework: FunctionsFrameworkServer;
const live: Offloader[] = [];

beforeAll(async () => {
  [s3, offline, framework] = await Promise.all([
    startS3Server([BUCKET]),
    startServerlessOffline({ functions: { tasks: { entry: LAMBDA_ENTRY, environment: { SPILLWAY_TASKS_URL: tasksUrl.href } } } }),
    startFunctionsFramework({ source: GCF_TEST_ENTRY, env: { SPILLWAY_TASKS_URL: tasksUrl.href } }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
  await Promise.all([offline?.stop(), framework?.stop(), s3?.stop()]);
});

function store(options: { urlExpiryMarginMs?: number; pricing?: { usdPerWrite: number; usdPerRead: number } } = {}) {
  return s3PayloadStore({ bucket: BUCKET, prefix: 'tests/', client: s3.client, ...options });
}

function offloaderWith(remotes: Backend[]): Offloader {
  const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, remotes });
  live.push(offloader);
  return offloader;
}

function lambdaBackend(
  payloadStore?: ReturnType<typeof store>,
  extra: { timeoutSeconds?: number; pricing?: { usdPerGbSecond: number; usdPerRequest: number } } = {},
) {
  return lambda({
    functionName: offline.functionName('tasks'),
    client: offline.createClient(),
    ...extra,
    ...(payloadStore === undefined ? {} : { payloadStore }),
  });
}

function gcfBackend(payloadStore?: ReturnType<typeof store>) {
  return cloudFunctions({ url: framework.url, auth: 'none', ...(payloadStore === undefined ? {} : { payloadStore }) });
}

describe('payloads by reference through S3', () => {
  it('carries an 8 MB input and a 10 MB output through Lambda, then deletes the objects and bills the storage requests', async () => {
    // Invocations free, uploads $1 and downloads $0.10, so the spend is the storage requests alone.
    const pricing = { usdPerWrite: 1, usdPerRead: 0.1 };
    const offloader = offloaderWith([lambdaBackend(store({ pricing }), { pricing: { usdPerGbSecond: 0, usdPerRequest: 0 } })]);
    const input = `${'a'.repeat(8 * MB - 1)}z`;
    await expect(offloader.run(measure, input, { placement: 'lambda' })).resolves.toEqual({ length: 8 * MB, first: 97, last: 122 });
    const output = await offloader.run(repeat, { text: 'xyz', count: (10 * MB) / 2 }, { placement: 'lambda' });
    expect(output.length).toBe(15 * MB);
    expect(output === 'xyz'.repeat((10 * MB) / 2)).toBe(true);
    expect(await s3.keys(BUCKET)).toEqual([]);
    // Input: the caller's PUT and the function's GET; output: the function's PUT and the caller's GET.
    expect(offloader.stats().spend.byBackend.lambda).toBeCloseTo(2.2, 10);
  }, 60_000);

  it('reserves the most storage requests of an attempt against the budget before sending it', async () => {
    // Invocations free; two uploads and two downloads at most: $2.20 reserved, over a $2 budget.
    const pricing = { usdPerWrite: 1, usdPerRead: 0.1 };
    const backend = lambdaBackend(store({ pricing }), { pricing: { usdPerGbSecond: 0, usdPerRequest: 0 } });
    const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, remotes: [backend], cost: { budgetUsd: 2 } });
    live.push(offloader);
    const error = await rejectionOf(offloader.run(measure, 'small', { placement: 'lambda' }));
    expect(error).toMatchObject({ code: 'ERR_BUDGET_EXHAUSTED' });
    expect((error as Error).message).toContain('reserves $2.20');
  }, 30_000);

  it('carries an 8 MB Uint8Array in and back out through Lambda as raw bytes (binary frames), not base64', async () => {
    const payloadStore = recording(store());
    const offloader = offloaderWith([lambdaBackend(payloadStore)]);
    const value = binaryValue(8);
    const back = await offloader.run(echo, value, { placement: 'lambda' });
    expectSameBinary(back, value);
    expect(back.bytes.byteLength).toBe(back.bytes.buffer.byteLength);
    // Base64 would make 8 MB about 10.7 MB.
    expect(payloadStore.puts).toHaveLength(1);
    expect(payloadStore.puts[0]).toBeGreaterThan(8 * MB);
    expect(payloadStore.puts[0]).toBeLessThan(8 * MB + 4096);
    expect(payloadStore.gets).toHaveLength(1);
    expect(payloadStore.gets[0]).toBeLessThan(8 * MB + 4096);
    // The output was read chunk by chunk into its parts (getChunks) as it arrived, not downloaded whole first.
    expect(payloadStore.chunkedGets).toEqual(payloadStore.gets);
    expect(payloadStore.chunksPerGet[0]).toBeGreaterThan(1);
    expect(await s3.keys(BUCKET)).toEqual([]);
  }, 60_000);

  it('refuses an output over maxObjectBytes with PayloadTooLargeError, uploading nothing', async () => {
    const payloadStore = recording(s3PayloadStore({ bucket: BUCKET, client: s3.client, maxObjectBytes: 7 * MB }));
    const offloader = offloaderWith([lambdaBackend(payloadStore)]);
    const error = await rejectionOf(offloader.run(repeat, { text: 'ab', count: 4 * MB }, { placement: 'lambda' }));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ limitBytes: 7 * MB, taskName: 'repeat' });
    expect((error as PayloadTooLargeError).sizeBytes).toBeGreaterThan(8 * MB);
    expect(payloadStore.gets).toEqual([]);
    expect(await s3.keys(BUCKET)).toEqual([]);
  }, 30_000);

  it('carries a failure over the answer limit by reference, message and logs whole', async () => {
    const offloader = offloaderWith([lambdaBackend(store())]);
    const error = await rejectionOf(offloader.run(failLoudly, { bytes: 7 * MB }, { placement: 'lambda' }));
    expect((error as Error).message).toHaveLength(7 * MB);
    expect((error as TaskError).logs?.lines.at(-1)?.text).toContain('last words');
    expect(await s3.keys(BUCKET)).toEqual([]);
  }, 30_000);

  it('carries a 40 MB input through Cloud Functions, then deletes the objects', async () => {
    const offloader = offloaderWith([gcfBackend(store())]);
    const input = new Uint8Array(40 * MB).fill(7);
    input[0] = 1;
    input[input.length - 1] = 9;
    await expect(offloader.run(measure, input, { placement: 'gcf' })).resolves.toEqual({ length: 40 * MB, first: 1, last: 9 });
    expect(await s3.keys(BUCKET)).toEqual([]);
  }, 60_000);

  it('without a store, the same inputs are refused with PayloadTooLargeError before anything is sent', async () => {
    const client = offline.createClient();
    let sent = 0;
    const send = client.send.bind(client);
    client.send = ((...args: Parameters<typeof send>) => {
      sent++;
      return send(...args);
    }) as typeof client.send;
    const offloader = offloaderWith([lambda({ functionName: offline.functionName('tasks'), client }), gcfBackend()]);
    const lambdaError = await rejectionOf(offloader.run(measure, 'a'.repeat(8 * MB), { placement: 'lambda' }));
    expect(lambdaError).toBeInstanceOf(PayloadTooLargeError);
    const gcfError = await rejectionOf(offloader.run(measure, new Uint8Array(40 * MB), { placement: 'gcf' }));
    expect(gcfError).toBeInstanceOf(PayloadTooLargeError);
    expect((gcfError as Error).message).toContain('it was not sent');
    expect(sent).toBe(0);
    expect(await s3.keys(BUCKET)).toEqual([]);
  }, 60_000);

  it("an input upload to S3 gets the caller's signal: aborted, it rejects with AbortError and leaves no object", async () => {
    const controller = new AbortController();
    const inner = store();
    const uploads: string[] = [];
    // The caller aborts once the 8 MB upload has begun; the SDK then stops it.
    const payloadStore: PayloadStore = {
      ...inner,
      async put(key, body, signal) {
        controller.abort();
        const upload = inner.put(key, body, signal);
        uploads.push(
          await upload.then(
            () => 'uploaded',
            (reason: Error) => reason.name,
          ),
        );
        return upload;
      },
    };
    const offloader = offloaderWith([lambdaBackend(payloadStore)]);
    const error = await rejectionOf(offloader.run(measure, 'a'.repeat(8 * MB), { placement: 'lambda', signal: controller.signal }));
    expect(uploads).toEqual(['AbortError']);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ code: 'ERR_ABORTED', taskName: 'measure' });
    expect((error as Error).message).toContain('aborted while its input was uploaded');
    expect(await s3.keys(BUCKET)).toEqual([]);
  }, 30_000);

  it('refuses an input over maxObjectBytes before uploading it', async () => {
    const offloader = offloaderWith([lambdaBackend(s3PayloadStore({ bucket: BUCKET, client: s3.client, maxObjectBytes: 7 * MB }))]);
    const error = await rejectionOf(offloader.run(measure, 'a'.repeat(8 * MB), { placement: 'lambda' }));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).limitBytes).toBe(7 * MB);
    expect(await s3.keys(BUCKET)).toEqual([]);
  }, 30_000);

  it('an expired output URL is answered as PayloadTransferError ERR_PAYLOAD_URL_EXPIRED, not a hang', async () => {
    // URLs live for the function's timeout (1 s) plus no margin; the task answers after 2.5 s.
    const offloader = offloaderWith([lambdaBackend(store({ urlExpiryMarginMs: 0 }), { timeoutSeconds: 1 })]);
    const error = await rejectionOf(offloader.run(repeatLater, { text: 'ab', count: 4 * MB, ms: 2500 }, { placement: 'lambda' }));
    expect(error).toBeInstanceOf(PayloadTransferError);
    expect((error as PayloadTransferError).code).toBe('ERR_PAYLOAD_URL_EXPIRED');
    expect((error as PayloadTransferError).status).toBe(403);
    expect(await s3.keys(BUCKET)).toEqual([]);
  }, 30_000);
});
