// Payloads by reference through the deployed artifacts: `bundleTaskModule`
// (what `spillway bundle` runs) builds test/fixtures/spill-tasks.mjs, and the
// bundle's Lambda entry runs in serverless-offline, its Cloud Functions entry
// in the Functions Framework, each on 127.0.0.1 with a real s3rver as the
// bucket. Binary values travel to and from the bundles as raw bytes (binary
// frames), the same as through the built handlers (payload-store.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambda, s3PayloadStore } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { bundleTaskModule } from '../../infra/bundle.js';
import { type FunctionsFrameworkServer, startFunctionsFramework } from '../../infra/emulators/functions-framework.js';
import { type ServerlessOffline, startServerlessOffline } from '../../infra/emulators/serverless-offline.js';
import { createOffloader, type Offloader } from '../../src/index.js';
// @ts-expect-error: a plain JavaScript fixture without declarations.
import { echo } from '../fixtures/spill-tasks.mjs';
import { recording } from '../support/payload-recording.js';
import { type S3Server, startS3Server } from '../support/s3-server.js';

const tasksUrl = new URL('../fixtures/spill-tasks.mjs', import.meta.url);
const BUCKET = 'spill-bundles';
const MB = 1024 * 1024;
const outDir = mkdtempSync(join(tmpdir(), 'spillway-spill-bundle-'));

let s3: S3Server;
let offline: ServerlessOffline;
let framework: FunctionsFrameworkServer;
let offloader: Offloader;
let payloadStore: ReturnType<typeof recording>;

beforeAll(async () => {
  const { entries } = await bundleTaskModule({ tasks: tasksUrl, outDir });
  [s3, offline, framework] = await Promise.all([
    startS3Server([BUCKET]),
    startServerlessOffline({ functions: { tasks: { entry: pathToFileURL(entries.lambda) } } }),
    startFunctionsFramework({ source: entries.gcf }),
  ]);
  payloadStore = recording(s3PayloadStore({ bucket: BUCKET, prefix: 'bundles/', client: s3.client, spillOverBytes: MB }));
  offloader = createOffloader({
    tasks: tasksUrl,
    local: { maxWorkers: 1 },
    remotes: [
      lambda({ functionName: offline.functionName('tasks'), client: offline.createClient(), payloadStore }),
      cloudFunctions({ url: framework.url, auth: 'none', payloadStore }),
    ],
  });
}, 180_000);

afterAll(async () => {
  await offloader?.destroy();
  await Promise.all([offline?.stop(), framework?.stop(), s3?.stop()]);
  rmSync(outDir, { recursive: true, force: true });
});

describe.each(['lambda', 'gcf'] as const)('binary payloads by reference through the %s bundle', (placement) => {
  it('echoes 3 MB of mixed binary leaves as raw bytes both ways, leaving the bucket empty', async () => {
    for (const sizes of [payloadStore.puts, payloadStore.gets, payloadStore.chunkedGets]) sizes.length = 0;
    const bytes = new Uint8Array(3 * MB);
    for (let index = 0; index < bytes.length; index += 997) bytes[index] = index % 253;
    const floats = new Float32Array([0.5, -2, Number.POSITIVE_INFINITY]);
    const value = { bytes, tail: bytes.subarray(bytes.length - 10), floats, buffer: Buffer.from('bundle'), view: new DataView(floats.buffer, 4, 4) };
    const back = await offloader.run(echo, value, { placement });
    // toEqual walks a typed array element by element: the large one is compared as bytes.
    expect(Buffer.from(back.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect({ ...back, bytes: undefined }).toEqual({ ...value, bytes: undefined });
    // Raw: base64 would make 3 MB about 4 MB.
    expect(payloadStore.puts).toHaveLength(1);
    expect(payloadStore.puts[0]).toBeLessThan(3 * MB + 4096);
    expect(payloadStore.gets).toHaveLength(1);
    expect(payloadStore.gets[0]).toBeLessThan(3 * MB + 4096);
    // Read chunk by chunk into the leaves (getChunks).
    expect(payloadStore.chunkedGets).toEqual(payloadStore.gets);
    expect(await s3.keys(BUCKET)).toEqual([]);
  }, 60_000);
});
