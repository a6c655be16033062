/**
 * One process of bench/spill-output.ts. `SPILL_PROBE=spillway` (the default)
 * serves bench/fixtures/spill-tasks.mjs on the Lambda emulator (`startDev`
 * of `spillway/dev`), then runs `produce` (a `SPILL_OUTPUT_BYTES` Uint8Array
 * output, which travels back through the S3 store at `SPILL_S3_ENDPOINT`)
 * once to warm up and `REPS` times. `SPILL_PROBE=floor` moves the same bytes
 * with the plain SDK instead: `PutObject`, then `GetObject` read with
 * `transformToByteArray`. Prints one JSON line: the times in ms and this
 * process's peak RSS in MB (`process.resourceUsage().maxRSS`) before the
 * first call and after the last.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createOffloader } from 'spillway';
import { lambda, s3PayloadStore } from 'spillway/aws-lambda';
import { startDev } from 'spillway/dev';
import { produce } from './fixtures/spill-tasks.mjs';

const REPS = Number(process.env.REPS ?? 5);
const BYTES = Number(process.env.SPILL_OUTPUT_BYTES ?? 10 * 1024 * 1024);
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

const client = new S3Client({
  endpoint: process.env.SPILL_S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
const bucket = process.env.SPILL_S3_BUCKET ?? 'spill-output';

/** Runs `call` once to warm up and `REPS` times; its times and the peak RSS before and after. */
async function measure(call: () => Promise<number>): Promise<{ times: number[]; rssBeforeMb: number; peakRssMb: number }> {
  const rssBeforeMb = peakRssMb();
  await call();
  const times: number[] = [];
  for (let rep = 0; rep < REPS; rep += 1) {
    const started = performance.now();
    const length = await call();
    times.push(performance.now() - started);
    if (length !== BYTES) throw new Error(`expected ${BYTES} bytes back, got ${length}`);
  }
  return { times, rssBeforeMb, peakRssMb: peakRssMb() };
}

async function floor(): Promise<number> {
  const bytes = new Uint8Array(BYTES);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'floor', Body: bytes }));
  const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'floor' }));
  const back = await output.Body?.transformToByteArray();
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'floor' }));
  return back?.byteLength ?? 0;
}

async function spillway(): Promise<{ times: number[]; rssBeforeMb: number; peakRssMb: number }> {
  const tasks = new URL('./fixtures/spill-tasks.mjs', import.meta.url);
  const session = await startDev({ tasks, lambda: true });
  const devLambda = session.lambda;
  if (devLambda === undefined) throw new Error('startDev({ lambda: true }) returned no Lambda emulator');
  const offloader = createOffloader({
    tasks,
    local: { maxWorkers: 1 },
    remotes: [
      lambda({
        functionName: devLambda.functionName,
        client: new LambdaClient(devLambda.clientConfig),
        payloadStore: s3PayloadStore({ bucket, prefix: 'bench/', client }),
      }),
    ],
  });
  try {
    return await measure(async () => (await offloader.run(produce, { bytes: BYTES }, { placement: 'lambda' })).byteLength);
  } finally {
    await offloader.close();
    await session.stop();
  }
}

try {
  console.log(JSON.stringify(process.env.SPILL_PROBE === 'floor' ? await measure(floor) : await spillway()));
} finally {
  client.destroy();
}
