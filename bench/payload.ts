/**
 * bench/payload: round-trip time of a `run` echo of large values, spillway's
 * local pool against raw piscina on the same worker code (`noop`, which
 * returns its input), 2 workers, one process, interleaved A/B.
 *
 *   binary1KB .. binary16MB: a `Uint8Array` of 1 KB, 1 MB, 4 MB, 16 MB
 *   numbers1MB:              an array of 131,072 random doubles (1 MiB as Float64)
 *
 * Each binary size runs twice: with default options on both sides (the
 * bytes are copied both ways), and moving the input (spillway
 * `{ transfer: true }`, piscina `{ transferList: [value.buffer] }`; results
 * are copied on both sides). A measurement is the mean of `calls`
 * sequential round trips, each input made just before its call and outside
 * the timed span (so no side runs with the other calls' inputs alive, and a
 * measurement spans many collections: 160 calls of 1 MB, 60 of 4 MB, 16 of
 * 16 MB); the ratio is spillway/piscina time (lower is
 * better), medians over REPS repetitions with min-max. Each measurement
 * starts after a full garbage collection, so neither side inherits the
 * other's garbage (large buffers make V8 collect often, and which side met a
 * collection decided much of a 4 MB row's ratio).
 * The last line is one JSON object: { binary1MB, binary4MB, binary16MB, numbers1MB, binary1KB, *Transfer, ... }.
 *
 * Run: npm run bench:payload   (builds dist/ first; REPS=5 by default)
 * PAYLOAD_ONLY=binary4MB,binary1MB runs only those scenarios (keys as in the
 * last line); PAYLOAD_SPILL=0 skips the spill half (no emulators started).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Piscina } from 'piscina';
import { createOffloader } from 'spillway';
import { deserialize, ENVELOPE_VERSION, serialize } from 'spillway/contract';
import { noop } from './fixtures/tasks.mjs';
import { median } from './median.js';

const REPS = Math.max(5, Number(process.env.REPS ?? 5));

setFlagsFromString('--expose-gc');
/** A full garbage collection, run before each measurement (see the header). */
const collect = runInNewContext('gc') as () => void;
const WORKERS = 2;
const KB = 1024;
const MB = 1024 * KB;

const pool = new Piscina({ filename: new URL('./fixtures/piscina-worker.mjs', import.meta.url).href, minThreads: WORKERS, maxThreads: WORKERS });
const offloader = createOffloader({ tasks: new URL('./fixtures/tasks.mjs', import.meta.url), local: { maxWorkers: WORKERS, minWorkers: WORKERS } });
// biome-ignore lint/suspicious/noExplicitAny: the echo task is typed for numbers; this bench sends any value.
const echo = noop as any;

type Side = 'piscina' | 'spillway';
interface Scenario {
  key: string;
  label: string;
  calls: number;
  /** A fresh input per call (a moved input is detached afterwards). */
  make: () => unknown;
  piscina: (value: unknown) => Promise<unknown>;
  spillway: (value: unknown) => Promise<unknown>;
  check: (sent: number, result: unknown) => void;
}

function bytes(size: number): () => Uint8Array {
  return () => new Uint8Array(size).fill(7);
}

function checkBytes(size: number) {
  return (_sent: number, result: unknown) => {
    if (!(result instanceof Uint8Array) || result.byteLength !== size || result[size - 1] !== 7) throw new Error(`wrong echo of ${size} bytes`);
  };
}

const numbers = Array.from({ length: MB / 8 }, () => Math.random() * 1e6);
const scenarios: Scenario[] = [];
for (const [key, size, calls] of [
  ['binary1KB', KB, 400],
  ['binary1MB', MB, 160],
  ['binary4MB', 4 * MB, 60],
  ['binary16MB', 16 * MB, 16],
] as const) {
  const label = key.replace('binary', 'Uint8Array ');
  scenarios.push({
    key,
    label,
    calls,
    make: bytes(size),
    piscina: (value) => pool.run(value, { name: 'noop' }),
    spillway: (value) => offloader.run(echo, value),
    check: checkBytes(size),
  });
  scenarios.push({
    key: `${key}Transfer`,
    label: `${label} moved`,
    calls,
    make: bytes(size),
    piscina: (value) => pool.run(value, { name: 'noop', transferList: [(value as Uint8Array).buffer as ArrayBuffer] }),
    spillway: (value) => offloader.run(echo, value, { transfer: true }),
    check: checkBytes(size),
  });
}
scenarios.push({
  key: 'numbers1MB',
  label: '131,072 doubles',
  calls: 40,
  make: () => numbers,
  piscina: (value) => pool.run(value, { name: 'noop' }),
  spillway: (value) => offloader.run(echo, value),
  check: (_sent, result) => {
    if (!Array.isArray(result) || result.length !== numbers.length || result[numbers.length - 1] !== numbers.at(-1)) throw new Error('wrong echo of numbers');
  },
});

const only = process.env.PAYLOAD_ONLY?.split(',').filter((key) => key !== '');
if (only !== undefined && only.length > 0) {
  const unknown = only.filter((key) => !scenarios.some((scenario) => scenario.key === key));
  if (unknown.length > 0)
    throw new Error(`Expected PAYLOAD_ONLY to name scenarios (${scenarios.map((scenario) => scenario.key).join(', ')}), got ${unknown.join(', ')}`);
  scenarios.splice(0, scenarios.length, ...scenarios.filter((scenario) => only.includes(scenario.key)));
}

/** Mean round-trip time of one call, ms. */
async function measure(scenario: Scenario, side: Side): Promise<number> {
  let elapsed = 0;
  for (let index = 0; index < scenario.calls; index++) {
    const input = scenario.make();
    const startedAt = performance.now();
    const result = await scenario[side](input);
    elapsed += performance.now() - startedAt;
    scenario.check(index, result);
  }
  return elapsed / scenario.calls;
}

// Warm-up: both pools' workers started, both paths compiled.
for (const scenario of scenarios) {
  await measure({ ...scenario, calls: Math.min(3, scenario.calls) }, 'piscina');
  await measure({ ...scenario, calls: Math.min(3, scenario.calls) }, 'spillway');
}

const times: Record<string, Record<Side, number[]>> = {};
const ratios: Record<string, number[]> = {};
for (let rep = 1; rep <= REPS; rep++) {
  for (const scenario of scenarios) {
    // Alternate which side goes first so neither always runs on a warmer machine.
    const order: Side[] = rep % 2 === 1 ? ['piscina', 'spillway'] : ['spillway', 'piscina'];
    const time: Partial<Record<Side, number>> = {};
    for (const side of order) {
      collect();
      time[side] = await measure(scenario, side);
    }
    times[scenario.key] ??= { piscina: [], spillway: [] };
    times[scenario.key].piscina.push(time.piscina ?? 0);
    times[scenario.key].spillway.push(time.spillway ?? 0);
    const ratio = (time.spillway ?? 0) / (time.piscina ?? 1);
    ratios[scenario.key] ??= [];
    ratios[scenario.key].push(ratio);
    console.log(
      `rep ${rep} ${scenario.label.padEnd(22)} piscina ${(time.piscina ?? 0).toFixed(3).padStart(9)} ms  spillway ${(time.spillway ?? 0).toFixed(3).padStart(9)} ms  ratio ${ratio.toFixed(2)}`,
    );
  }
}
await offloader.close();
await pool.destroy();

const targets: Record<string, number> = { binary1MB: 1.5, binary4MB: 1.5, binary16MB: 1.5, numbers1MB: 2 };
console.log('');
console.log(
  `value                   piscina ms   spillway ms   median ratio [min-max]   target   (load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`,
);
const summary: Record<string, number> = {};
for (const scenario of scenarios) {
  const ratio = median(ratios[scenario.key]);
  summary[scenario.key] = Math.round(ratio * 100) / 100;
  const target = targets[scenario.key];
  const spread = `[${Math.min(...ratios[scenario.key]).toFixed(2)}-${Math.max(...ratios[scenario.key]).toFixed(2)}]`;
  console.log(
    `${scenario.label.padEnd(22)} ${median(times[scenario.key].piscina).toFixed(3).padStart(10)} ${median(times[scenario.key].spillway).toFixed(3).padStart(13)} ${ratio.toFixed(2).padStart(14)} ${spread.padEnd(12)} ${target === undefined ? '' : `<= ${target} ${ratio <= target ? 'met' : 'MISSED'}`}`,
  );
}
// What a remote envelope carries for a 1 MB Uint8Array (base64 inside the JSON envelope): its size, and the encode/decode time of the value plus the envelope's JSON.
const envelopeTimes = { encode: [] as number[], decode: [] as number[] };
let envelopeBytes = 0;
const megabyte = new Uint8Array(MB).map((_, index) => index % 251);
for (let rep = 0; rep < 15; rep++) {
  let startedAt = performance.now();
  const body = JSON.stringify({ version: ENVELOPE_VERSION, id: 't', task: 'noop', bundleHash: 'h', attempt: 1, input: serialize(megabyte, 'input') });
  envelopeTimes.encode.push(performance.now() - startedAt);
  envelopeBytes = Buffer.byteLength(body);
  startedAt = performance.now();
  const back = deserialize((JSON.parse(body) as { input: string }).input, 'input') as Uint8Array;
  envelopeTimes.decode.push(performance.now() - startedAt);
  if (back.byteLength !== MB || back[MB - 1] !== megabyte[MB - 1]) throw new Error('wrong envelope round trip');
}
const envelope1MBEncodeMs = Math.round(median(envelopeTimes.encode) * 100) / 100;
const envelope1MBDecodeMs = Math.round(median(envelopeTimes.decode) * 100) / 100;
console.log(
  `remote envelope of a 1 MB Uint8Array: ${envelopeBytes.toLocaleString()} bytes, encode ${envelope1MBEncodeMs} ms [${Math.min(...envelopeTimes.encode).toFixed(2)}-${Math.max(...envelopeTimes.encode).toFixed(2)}], decode ${envelope1MBDecodeMs} ms [${Math.min(...envelopeTimes.decode).toFixed(2)}-${Math.max(...envelopeTimes.decode).toFixed(2)}] (medians of 15)`,
);
summary.envelope1MBBytes = envelopeBytes;
summary.envelope1MBEncodeMs = envelope1MBEncodeMs;
summary.envelope1MBDecodeMs = envelope1MBDecodeMs;
// The spill half (20 MB through the S3 store on both emulators vs the plain SDK) runs in its own process: it starts servers and emulators this one does not need.
function runSpillHalf(): Record<string, number> {
  const spill = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./payload-spill.ts', import.meta.url))], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const spillLines = spill.stdout.trimEnd().split('\n');
  console.log(spillLines.slice(0, -1).join('\n'));
  if (spill.status !== 0) throw new Error(`bench/payload-spill.ts exited with ${spill.status}`);
  return JSON.parse(spillLines.at(-1) ?? '{}') as Record<string, number>;
}
const { spillS3Overhead, ...spillOthers } = process.env.PAYLOAD_SPILL === '0' ? {} : runSpillHalf();
const { binary1MB, binary4MB, binary16MB, numbers1MB, ...others } = summary;
console.log(JSON.stringify({ binary1MB, binary4MB, binary16MB, numbers1MB, spillS3Overhead, ...others, ...spillOthers }));
