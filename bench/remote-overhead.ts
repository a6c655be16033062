/**
 * bench/remote-overhead: what spillway's remote adapters add over a raw call
 * to the same server. `startDev` of `spillway/dev` bundles
 * bench/fixtures/echo-tasks.mjs (a no-op `echo` task) and serves the bundle
 * with the real local servers, both on 127.0.0.1:
 *
 *   gcf:    the Functions Framework, unsigned
 *   lambda: serverless-offline
 *
 * For each remote, two sides call `echo` with a small value:
 *
 *   raw:      gcf: `fetch` POST of the JSON envelope (the adapter's headers,
 *             no auth, no signing) + `await res.json()`; lambda:
 *             `client.send(new InvokeCommand({ FunctionName, Payload }))` +
 *             `JSON.parse` of the payload, on a LambdaClient with the same
 *             endpoint and maxAttempts 1. The input is encoded once, up front.
 *   spillway: `serialize()` the input into an envelope, `backend.invoke()`
 *             (the adapter encodes, sends, decodes and validates the result
 *             envelope) and `deserialize()` the output: what `offloader.run`
 *             pays around the network call.
 *
 * Each round measures, per remote and side, the latency of CALLS sequential
 * calls (after WARMUP) and the throughput of BURST calls with 16 in flight.
 * Rounds alternate which side goes first, so machine noise hits both.
 * Prints a table per remote (latencies pooled over all rounds, throughput
 * as the median over rounds). The last line is one JSON object with
 * `lambdaOverheadMs` and `gcfOverheadMs` (spillway median - raw median, ms).
 * No threshold is enforced; the target (<= 1 ms added) is printed beside.
 *
 * Run: npm run bench:remote   (builds dist/ first; ROUNDS=5 by default)
 */
import { Agent } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Backend } from 'spillway';
import { lambda } from 'spillway/aws-lambda';
import { deserialize, ENVELOPE_VERSION, serialize, type TaskEnvelope } from 'spillway/contract';
import { type DevSession, startDev } from 'spillway/dev';
import { cloudFunctions } from 'spillway/gcp-functions';

const ROUNDS = Math.max(5, Number(process.env.ROUNDS ?? 5));
const WARMUP = 50;
const CALLS = 300;
const CONCURRENCY = 16;
const BURST = 2_000;
const TARGET_ADDED_MS = 1;

const TASKS_URL = new URL('./fixtures/echo-tasks.mjs', import.meta.url);
const ENVELOPE_CONTENT_TYPE = 'application/vnd.spillway.envelope+json';
const TASK = 'echo';
/** The echoed value: a small object, as a typical task input (goes through devalue, not the primitive fast path). */
const VALUE = { id: 42, name: 'ping', tags: ['a', 'b'] };
const ENCODED_VALUE = serialize(VALUE, 'input');
/** The served bundle's hash (`session.bundleHash`), set once the emulators run. */
let bundleHash = '';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Side = 'raw' | 'spillway';
type Call = () => Promise<void>;
interface Remote {
  key: 'lambda' | 'gcf';
  label: string;
  raw: Call;
  spillway: Call;
}
interface Samples {
  latencies: Record<Side, number[]>;
  rates: Record<Side, number[]>;
  ratios: number[];
  addedPerRound: number[];
}

let sequence = 0;
/** The raw side's envelope: the input was encoded once, up front (a raw client sends bytes it already has). */
function rawEnvelope(): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: `raw-${++sequence}`, task: TASK, bundleHash, attempt: 1, input: ENCODED_VALUE };
}
/** The spillway side's envelope, built as the offloader builds it: the input is serialized per call. */
function spillwayEnvelope(): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: `sw-${++sequence}`, task: TASK, bundleHash, attempt: 1, input: serialize(VALUE, 'input') };
}
function checkRaw(answer: { ok?: unknown; output?: unknown }, remote: string): void {
  if (answer.ok !== true || answer.output !== ENCODED_VALUE) throw new Error(`raw ${remote} call answered ${JSON.stringify(answer)}`);
}
async function spillwayCall(backend: Backend): Promise<void> {
  const result = await backend.invoke(spillwayEnvelope());
  if (!result.ok) throw new Error(`spillway ${backend.name} call failed: ${result.error.message}`);
  const output = deserialize(result.output) as typeof VALUE;
  if (output.id !== VALUE.id) throw new Error(`spillway ${backend.name} call echoed ${JSON.stringify(output)}`);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (q === 0.5) {
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
const median = (values: number[]): number => quantile(values, 0.5);

async function sequential(call: Call, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < count; index++) {
    const startedAt = performance.now();
    await call();
    latencies.push(performance.now() - startedAt);
  }
  return latencies;
}

/** Calls per second of `count` calls with `concurrency` in flight. */
async function burst(call: Call, count: number, concurrency: number): Promise<number> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next++;
      await call();
    }
  };
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  return count / ((performance.now() - startedAt) / 1000);
}

const ms = (value: number): string => value.toFixed(2);
const perSecond = (value: number): string => Math.round(value).toLocaleString('en-US');

let session: DevSession | undefined;
const cleanups: (() => unknown)[] = [];
let summary: Record<string, number> | undefined;
try {
  // `lambda: true`: startDev rejects when serverless-offline is missing, and stops what it started.
  session = await startDev({ tasks: TASKS_URL, lambda: true });
  const devLambda = session.lambda;
  if (devLambda === undefined) throw new Error('startDev({ lambda: true }) returned no Lambda emulator');
  bundleHash = session.bundleHash;
  const gcfUrl = session.gcfUrl;
  const functionName = devLambda.functionName;
  console.log(`functions framework ${gcfUrl}, serverless-offline ${devLambda.endpoint} (function ${functionName})`);

  // Two identical clients (the emulator's clientConfig: same endpoint, fake credentials, maxAttempts 1), except that their
  // keep-alive agent drops sockets idle for 2 s: the emulator's server closes idle connections after 5 s, and the SDK's default agent
  // would reuse one just as it closes (ECONNRESET) after a socket sat idle while the other remote was being measured.
  const createClient = (): LambdaClient =>
    new LambdaClient({
      ...devLambda.clientConfig,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 50, timeout: 2_000 }) },
    });
  const rawClient = createClient();
  const adapterClient = createClient();
  const lambdaBackend = lambda({ functionName, client: adapterClient });
  const gcfBackend = cloudFunctions({ url: gcfUrl, auth: 'none' });
  cleanups.push(
    () => lambdaBackend.destroy(),
    () => gcfBackend.destroy(),
    () => rawClient.destroy(),
    () => adapterClient.destroy(),
  );

  const remotes: Remote[] = [
    {
      key: 'lambda',
      label: 'AWS Lambda (serverless-offline)',
      raw: async () => {
        const output = await rawClient.send(new InvokeCommand({ FunctionName: functionName, Payload: encoder.encode(JSON.stringify(rawEnvelope())) }));
        checkRaw(JSON.parse(decoder.decode(output.Payload)), 'lambda');
      },
      spillway: () => spillwayCall(lambdaBackend),
    },
    {
      key: 'gcf',
      label: 'Cloud Functions (Functions Framework)',
      raw: async () => {
        const res = await fetch(gcfUrl, {
          method: 'POST',
          body: JSON.stringify(rawEnvelope()),
          headers: { 'content-type': ENVELOPE_CONTENT_TYPE, accept: 'application/json' },
        });
        checkRaw((await res.json()) as { ok?: unknown; output?: unknown }, 'gcf');
      },
      spillway: () => spillwayCall(gcfBackend),
    },
  ];

  // Warm-up: load the task module, open connections, let serverless-offline start an instance per concurrent call, JIT both paths.
  for (const remote of remotes) {
    for (const side of ['raw', 'spillway'] as const) {
      await sequential(remote[side], WARMUP);
      await burst(remote[side], 200, CONCURRENCY);
    }
  }

  const samples = new Map<Remote['key'], Samples>(
    remotes.map((remote) => [
      remote.key,
      { latencies: { raw: [], spillway: [] }, rates: { raw: [], spillway: [] }, ratios: [], addedPerRound: [] } satisfies Samples,
    ]),
  );
  for (let round = 1; round <= ROUNDS; round++) {
    for (const remote of remotes) {
      const order: Side[] = round % 2 === 1 ? ['raw', 'spillway'] : ['spillway', 'raw'];
      const latencies: Partial<Record<Side, number[]>> = {};
      const rate: Partial<Record<Side, number>> = {};
      for (const side of order) {
        await sequential(remote[side], WARMUP);
        latencies[side] = await sequential(remote[side], CALLS);
        rate[side] = await burst(remote[side], BURST, CONCURRENCY);
      }
      const raw = latencies.raw ?? [];
      const spillway = latencies.spillway ?? [];
      const sample = samples.get(remote.key) as Samples;
      sample.latencies.raw.push(...raw);
      sample.latencies.spillway.push(...spillway);
      sample.rates.raw.push(rate.raw ?? 0);
      sample.rates.spillway.push(rate.spillway ?? 0);
      sample.ratios.push((rate.spillway ?? 0) / (rate.raw ?? 1));
      sample.addedPerRound.push(median(spillway) - median(raw));
      console.log(
        `round ${round} ${remote.key.padEnd(6)} (${order[0]} first)  median raw ${ms(median(raw))} ms  spillway ${ms(median(spillway))} ms  added ${ms(median(spillway) - median(raw)).padStart(5)} ms  at ${CONCURRENCY}: raw ${perSecond(rate.raw ?? 0)}/s  spillway ${perSecond(rate.spillway ?? 0)}/s`,
      );
    }
  }

  const round2 = (value: number): number => Math.round(value * 100) / 100;
  const figures: Record<string, number> = {};
  console.log('');
  console.log(
    `${ROUNDS} rounds; latency: ${CALLS} sequential calls per round and side (pooled); throughput: ${BURST.toLocaleString('en-US')} calls, ${CONCURRENCY} in flight (median of rounds)`,
  );
  for (const remote of remotes) {
    const sample = samples.get(remote.key) as Samples;
    const raw = { median: median(sample.latencies.raw), p99: quantile(sample.latencies.raw, 0.99), rate: median(sample.rates.raw) };
    const spillway = { median: median(sample.latencies.spillway), p99: quantile(sample.latencies.spillway, 0.99), rate: median(sample.rates.spillway) };
    const added = spillway.median - raw.median;
    const ratio = median(sample.ratios);
    console.log('');
    console.log(remote.label);
    console.log('              median ms   p99 ms   calls/s at 16');
    console.log(`  raw         ${ms(raw.median).padStart(9)} ${ms(raw.p99).padStart(8)} ${perSecond(raw.rate).padStart(15)}`);
    console.log(`  spillway    ${ms(spillway.median).padStart(9)} ${ms(spillway.p99).padStart(8)} ${perSecond(spillway.rate).padStart(15)}`);
    console.log(
      `  added median ${ms(added)} ms (per round: ${sample.addedPerRound.map(ms).join(', ')})   target <= ${TARGET_ADDED_MS} ms ${added <= TARGET_ADDED_MS ? 'met' : 'MISSED'}`,
    );
    console.log(`  throughput spillway/raw ${ratio.toFixed(2)} (median of per-round ratios)`);
    Object.assign(figures, {
      [`${remote.key}OverheadMs`]: round2(added),
      [`${remote.key}RawMedianMs`]: round2(raw.median),
      [`${remote.key}SpillwayMedianMs`]: round2(spillway.median),
      [`${remote.key}RawP99Ms`]: round2(raw.p99),
      [`${remote.key}SpillwayP99Ms`]: round2(spillway.p99),
      [`${remote.key}RawPerSecond`]: Math.round(raw.rate),
      [`${remote.key}SpillwayPerSecond`]: Math.round(spillway.rate),
      [`${remote.key}ThroughputRatio`]: round2(ratio),
    });
  }
  summary = {
    lambdaOverheadMs: figures.lambdaOverheadMs,
    gcfOverheadMs: figures.gcfOverheadMs,
    ...figures,
    rounds: ROUNDS,
    calls: CALLS,
    burst: BURST,
    concurrency: CONCURRENCY,
  };
} finally {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (error) {
      console.error(`cleanup failed: ${(error as Error).message}`);
    }
  }
  // Both emulators stop by pid (serverless-offline: its whole process group), also when a measurement failed.
  await session?.stop();
}
console.log('');
console.log(JSON.stringify(summary));
