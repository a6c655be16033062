// Payloads by reference through a GCS bucket (gcsPayloadStore), end to end:
// the Functions Framework running the built handler over
// test/fixtures/spill-tasks.mjs, and test/support/gcs-server.ts as the
// bucket. No GCS server exists on npm, so a small real HTTP server on
// 127.0.0.1 that speaks the JSON API uploads and downloads the SDK makes and
// checks V4 signed URLs (signature and expiry) as GCS does stands in for it
// (not msw). The function side only fetches the signed URLs (node:http).
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudFunctions, gcsPayloadStore } from '../../adapters/gcp-functions/index.js';
import type { PayloadStore } from '../../src/contract/index.js';
import { AbortError, type Backend, createOffloader, type Offloader, PayloadTransferError } from '../../src/index.js';
// @ts-expect-error: a plain JavaScript fixture without declarations.
import { echo, measure, repeat, repeatLater } from '../fixtures/spill-tasks.mjs';
import { type FunctionsFrameworkServer, GCF_TEST_ENTRY, startFunctionsFramework } from '../support/functions-framework.js';
import { type GcsServer, startGcsServer } from '../support/gcs-server.js';
import { rejectionOf } from '../support/helpers.js';
import { binaryValue, expectSameBinary, recording } from '../support/payload-recording.js';

const tasksUrl = new URL('../fixtures/spill-tasks.mjs', import.meta.url);
const BUCKET = 'spill';
const MB = 1024 * 1024;

let framework: FunctionsFrameworkServer;
let gcs: GcsServer;
const live: Offloader[] = [];

beforeAll(async () => {
  [gcs, framework] = await Promise.all([
    startGcsServer([BUCKET]),
    startFunctionsFramework({ source: GCF_TEST_ENTRY, env: { SPILLWAY_TASKS_URL: tasksUrl.href } }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
  await Promise.all([framework?.stop(), gcs?.stop()]);
});

function offloaderWith(remotes: Backend[]): Offloader {
  const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 }, remotes });
  live.push(offloader);
  return offloader;
}

function gcfBackend(payloadStore: PayloadStore) {
  return cloudFunctions({ url: framework.url, auth: 'none', payloadStore });
}

function gcsStore(options: { urlExpiryMarginMs?: number; spillOverBytes?: number } = {}) {
  const storage = new Storage({ apiEndpoint: gcs.endpoint, projectId: 'local-project', credentials: gcs.credentials });
  return gcsPayloadStore({ bucket: BUCKET, prefix: 'tests/', storage, ...options });
}

describe('payloads by reference through GCS signed URLs', () => {
  it('carries an input and an output over spillOverBytes through Cloud Functions, then deletes the objects', async () => {
    const offloader = offloaderWith([gcfBackend(gcsStore({ spillOverBytes: MB }))]);
    const input = `${'b'.repeat(3 * MB - 1)}y`;
    await expect(offloader.run(measure, input, { placement: 'gcf' })).resolves.toEqual({ length: 3 * MB, first: 98, last: 121 });
    const output = await offloader.run(repeat, { text: 'gcs', count: MB }, { placement: 'gcf' });
    expect(output === 'gcs'.repeat(MB)).toBe(true);
    // The function read the input and wrote the output through signed URLs the server verified.
    expect(gcs.signedRequests).toEqual([
      { method: 'GET', status: 200 },
      { method: 'PUT', status: 200 },
    ]);
    expect(gcs.keys(BUCKET)).toEqual([]);
  }, 60_000);

  it('carries binary values in and out over spillOverBytes as raw bytes through Cloud Functions', async () => {
    const payloadStore = recording(gcsStore({ spillOverBytes: MB }));
    const offloader = offloaderWith([gcfBackend(payloadStore)]);
    const value = binaryValue(2);
    expectSameBinary(await offloader.run(echo, value, { placement: 'gcf' }), value);
    expect(payloadStore.puts).toHaveLength(1);
    expect(payloadStore.puts[0]).toBeLessThan(2 * MB + 4096);
    expect(payloadStore.gets[0]).toBeLessThan(2 * MB + 4096);
    // The output was read chunk by chunk into its parts (getChunks) as it arrived, not downloaded whole first.
    expect(payloadStore.chunkedGets).toEqual(payloadStore.gets);
    expect(payloadStore.chunksPerGet[0]).toBeGreaterThan(1);
    expect(gcs.keys(BUCKET)).toEqual([]);
  }, 60_000);

  it('uploads a 40 MB binary input to GCS from its chunks (putChunks), then deletes the objects', async () => {
    const payloadStore = recording(gcsStore());
    const offloader = offloaderWith([gcfBackend(payloadStore)]);
    const input = new Uint8Array(40 * MB).fill(7);
    input[0] = 1;
    input[input.length - 1] = 9;
    const uploadsBefore = gcs.uploads.length;
    await expect(offloader.run(measure, input, { placement: 'gcf' })).resolves.toEqual({ length: 40 * MB, first: 1, last: 9 });
    // One upload, of the frame's chunks: no joined copy went through put().
    expect(payloadStore.chunkedPuts).toHaveLength(1);
    expect(payloadStore.puts).toEqual(payloadStore.chunkedPuts);
    expect(payloadStore.chunkedPuts[0]).toBeGreaterThan(40 * MB);
    // A simple (one-request) multipart upload, sent chunked as its chunks came.
    expect(gcs.uploads.slice(uploadsBefore)).toEqual([{ uploadType: 'multipart', chunked: true, bytesReceived: expect.any(Number), stored: true }]);
    expect(gcs.uploads.at(-1)?.bytesReceived).toBeGreaterThan(40 * MB);
    expect(gcs.keys(BUCKET)).toEqual([]);
  }, 60_000);

  it("an input upload aborted by the caller's signal stores nothing and rejects with AbortError", async () => {
    const offloader = offloaderWith([gcfBackend(gcsStore())]);
    const controller = new AbortController();
    const held = gcs.holdNextUpload();
    const settled = rejectionOf(offloader.run(measure, new Uint8Array(40 * MB), { placement: 'gcf', signal: controller.signal }));
    await held;
    controller.abort();
    const error = await settled;
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ code: 'ERR_ABORTED', taskName: 'measure' });
    expect(gcs.uploads.at(-1)).toMatchObject({ stored: false });
    expect(gcs.uploads.at(-1)?.bytesReceived).toBeLessThan(40 * MB);
    expect(gcs.keys(BUCKET)).toEqual([]);
  }, 30_000);

  it('the stand-in refuses a signed URL whose signature was tampered with', async () => {
    const signed = await gcsStore().signGetUrl('tests/any', 60);
    const tampered = signed.replace(/X-Goog-Signature=(.)/, (_, first: string) => `X-Goog-Signature=${first === 'a' ? 'b' : 'a'}`);
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(signed)).status).toBe(404);
  });

  it('an expired signed URL is answered as PayloadTransferError ERR_PAYLOAD_URL_EXPIRED', async () => {
    const offloader = offloaderWith([
      cloudFunctions({ url: framework.url, auth: 'none', timeoutSeconds: 1, payloadStore: gcsStore({ urlExpiryMarginMs: 0, spillOverBytes: MB }) }),
    ]);
    const error = await rejectionOf(offloader.run(repeatLater, { text: 'ab', count: MB, ms: 2500 }, { placement: 'gcf' }));
    expect(error).toBeInstanceOf(PayloadTransferError);
    expect((error as PayloadTransferError).code).toBe('ERR_PAYLOAD_URL_EXPIRED');
    expect((error as PayloadTransferError).status).toBe(400);
    expect(gcs.keys(BUCKET)).toEqual([]);
  }, 30_000);
});
