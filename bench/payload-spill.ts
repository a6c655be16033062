/**
 * bench/payload-spill: a 20 MB input through the S3 payload store, against
 * the same bytes moved with the plain AWS SDK (the floor).
 *
 * A real local S3-compatible server (s3rver on 127.0.0.1, objects in a
 * temporary folder) and `startDev` of `spillway/dev` (the bundled task module
 * bench/fixtures/spill-tasks.mjs served by serverless-offline and the
 * Functions Framework). Per repetition, in rotating order:
 *
 *   floor:  `PutObject` of the 20 MB Uint8Array, then `GetObject` of it
 *           (`transformToByteArray`), on the same S3Client spillway uses.
 *   lambda: `offloader.run(measure, bytes, { placement: 'lambda' })` with
 *           `lambda({ payloadStore: s3PayloadStore(...) })`: encode, upload,
 *           presign, invoke; the function fetches the input by URL, decodes
 *           it and answers a small summary; the object is deleted.
 *   gcf:    the same through `cloudFunctions({ payloadStore })`.
 *
 * The same three again with a 20 MB ASCII string (`*Text`): the codec adds
 * little to a string, so these ratios show the transport's own overhead
 * (presign, invoke, the function's fetch, delete), the Uint8Array ones add
 * the codec's (today base64 text: 20 MB becomes 27.9 MB, encoded and decoded).
 *
 * Each timed side starts after a full garbage collection, so neither inherits
 * the other's garbage: without it, which side paid for collections depended
 * on the rotation (the floor took 87-105 ms right after spillway's calls,
 * 116-168 ms after a collection, 145-227 ms in a process of its own with no
 * spillway calls; 2026-12-02).
 *
 * One warm-up repetition, then REPS (>= 5, default 7). Prints the medians
 * with min-max, and per backend the median of per-repetition ratios
 * spillway / floor. Last line: `{ spillS3Overhead, spillS3OverheadLambda,
 * spillS3OverheadGcf, spillS3OverheadText, ... }`; `spillS3Overhead` is the
 * larger of the two Uint8Array ratios (target <= 1.3). Noisy on a shared machine: the emulators, s3rver and
 * this process share the cores.
 *
 * Run: npm run bench:payload-spill   (builds dist/ first)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createOffloader } from 'spillway';
import { lambda, s3PayloadStore } from 'spillway/aws-lambda';
import { startDev } from 'spillway/dev';
import { cloudFunctions } from 'spillway/gcp-functions';
import { measure } from './fixtures/spill-tasks.mjs';
import { median } from './median.js';

const REPS = Math.max(5, Number(process.env.REPS ?? 7));
const SIZE_BYTES = 20 * 1024 * 1024;
const BUCKET = 'spill-bench';
const TARGET = 1.3;

setFlagsFromString('--expose-gc');
/** A full garbage collection, run before each timed side (see the header). */
const collect = runInNewContext('gc') as () => void;

type Side = 'floor' | 'lambda' | 'gcf' | 'floorText' | 'lambdaText' | 'gcfText';
type Remote = 'lambda' | 'gcf' | 'lambdaText' | 'gcfText';

function spread(values: number[]): string {
  return `[${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}]`;
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'spillway-bench-s3-'));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = (await s3.run()) as { port: number };
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const session = await startDev({ tasks: new URL('./fixtures/spill-tasks.mjs', import.meta.url), lambda: true });
  const devLambda = session.lambda;
  if (devLambda === undefined) throw new Error('startDev({ lambda: true }) returned no Lambda emulator');
  // Over 1 MB through the bucket: Cloud Functions would otherwise take up to 32 MiB inline, and this measures the store.
  const payloadStore = s3PayloadStore({ bucket: BUCKET, prefix: 'bench/', client, spillOverBytes: 1024 * 1024 });
  const offloader = createOffloader({
    tasks: new URL('./fixtures/spill-tasks.mjs', import.meta.url),
    local: { maxWorkers: 1 },
    remotes: [
      lambda({ functionName: devLambda.functionName, client: new LambdaClient(devLambda.clientConfig), payloadStore }),
      cloudFunctions({ url: session.gcfUrl, auth: 'none', payloadStore }),
    ],
  });
  const bytes = new Uint8Array(SIZE_BYTES);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = index % 251;
  const text = 'spillway '.repeat(SIZE_BYTES / 9 + 1).slice(0, SIZE_BYTES);
  const floor = async (body: Uint8Array | string): Promise<void> => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'floor', Body: body }));
    const output = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'floor' }));
    const back = typeof body === 'string' ? await output.Body?.transformToString('utf-8') : await output.Body?.transformToByteArray();
    if (back?.length !== SIZE_BYTES) throw new Error('the floor read back a different object');
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'floor' }));
  };
  const sides: Record<Side, () => Promise<unknown>> = {
    floor: () => floor(bytes),
    lambda: () => offloader.run(measure, bytes, { placement: 'lambda' }),
    gcf: () => offloader.run(measure, bytes, { placement: 'gcf' }),
    floorText: () => floor(text),
    lambdaText: () => offloader.run(measure, text, { placement: 'lambda' }),
    gcfText: () => offloader.run(measure, text, { placement: 'gcf' }),
  };
  const order: Side[] = ['floor', 'lambda', 'gcf', 'floorText', 'lambdaText', 'gcfText'];
  const times: Record<Side, number[]> = { floor: [], lambda: [], gcf: [], floorText: [], lambdaText: [], gcfText: [] };
  const ratios: Record<Remote, number[]> = { lambda: [], gcf: [], lambdaText: [], gcfText: [] };
  const floorOf = (remote: Remote): Side => (remote.endsWith('Text') ? 'floorText' : 'floor');
  try {
    for (const side of order) await sides[side]();
    for (let rep = 0; rep < REPS; rep += 1) {
      const round: Partial<Record<Side, number>> = {};
      // Rotate which side goes first, so machine noise hits all three.
      for (let turn = 0; turn < order.length; turn += 1) {
        const side = order[(rep + turn) % order.length];
        collect();
        round[side] = await timed(sides[side]);
      }
      for (const side of order) times[side].push(round[side] ?? 0);
      for (const remote of Object.keys(ratios) as Remote[]) ratios[remote].push((round[remote] ?? 0) / (round[floorOf(remote)] ?? 1));
      console.log(`rep ${rep + 1}: ${order.map((side) => `${side} ${round[side]?.toFixed(0)} ms`).join(', ')}`);
    }
  } finally {
    await offloader.close();
    await session.stop();
    client.destroy();
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  }
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(`\n20 MB Uint8Array and 20 MB string, ${REPS} repetitions, load average ${load}`);
  for (const side of order) console.log(`${side.padEnd(10)} median ${median(times[side]).toFixed(1)} ms ${spread(times[side])}`);
  for (const remote of Object.keys(ratios) as Remote[]) {
    console.log(`spillway / plain SDK, ${remote.padEnd(10)} ${median(ratios[remote]).toFixed(2)} ${spread(ratios[remote])} (target <= ${TARGET})`);
  }
  const lambdaRatio = median(ratios.lambda);
  const gcfRatio = median(ratios.gcf);
  const round2 = (value: number): number => Math.round(value * 100) / 100;
  console.log(
    JSON.stringify({
      spillS3Overhead: round2(Math.max(lambdaRatio, gcfRatio)),
      spillS3OverheadLambda: round2(lambdaRatio),
      spillS3OverheadGcf: round2(gcfRatio),
      spillS3OverheadText: round2(Math.max(median(ratios.lambdaText), median(ratios.gcfText))),
      floorMs: round2(median(times.floor)),
      lambdaMs: round2(median(times.lambda)),
      gcfMs: round2(median(times.gcf)),
      floorTextMs: round2(median(times.floorText)),
      lambdaTextMs: round2(median(times.lambdaText)),
      gcfTextMs: round2(median(times.gcfText)),
      sizeBytes: SIZE_BYTES,
      reps: REPS,
    }),
  );
}

await main();
