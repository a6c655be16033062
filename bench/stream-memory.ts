/**
 * bench/stream-memory: peak memory of `stream` over a generator of no-op
 * inputs (issue 10: under 300 MB for 10,000,000 inputs), next to `map` over a
 * materialized array of 1,000,000 inputs. Each call runs in its own process
 * (bench/fixtures/stream-probe.mjs, 2 workers) so each peak is its own; the
 * peak is the process's maxRSS (`process.resourceUsage().maxRSS`, worker
 * threads included), with RSS sampled every 50 ms as a cross-check.
 *
 * Then `stream` again with `local.workerYoungGenerationMb: 4` (the workers'
 * young generations, up to 48 MB each by V8's default, are part of the peak;
 * the caller's own heap, 32 MB of young generation and an old generation that
 * grows to ~75 MB between collections, is most of the rest; see that option).
 *
 * Then `stream` with the defaults in a caller started with
 * `--max-old-space-size=256 --max-semi-space-size=8` (V8's flags, which the
 * worker threads' heaps follow too): what an application that caps its heaps
 * gets.
 *
 * Then the baseline: raw piscina with its defaults (2 workers, one task per
 * message) keeping 2,048 no-op tasks in flight over the same generator
 * (the probe's `piscina` mode). It runs ~6x slower than
 * spillway's chunked transport, so it gets fewer inputs by default; its peak
 * does not grow with them (133 MB at 1,000,000, 138 MB at 3,000,000 here).
 *
 * Last line: { streamPeakRssMb, inputs, tasksPerSecond, streamYoung4PeakRssMb,
 * streamYoung4TasksPerSecond, streamSmallHeapsPeakRssMb,
 * streamSmallHeapsTasksPerSecond, mapPeakRssMb, mapInputs, piscinaPeakRssMb,
 * piscinaTasksPerSecond, piscinaInputs }.
 *
 * Run: npm run bench:stream   (builds dist/ first)
 *   STREAM_INPUTS=1000000  stream over fewer inputs (default 10,000,000)
 *   MAP_INPUTS=0           skip the map comparison (default 1,000,000)
 *   PISCINA_INPUTS=0       skip the piscina baseline (default 1,000,000)
 */
import { execFileSync } from 'node:child_process';

const STREAM_INPUTS = Number(process.env.STREAM_INPUTS ?? 10_000_000);
const MAP_INPUTS = Number(process.env.MAP_INPUTS ?? 1_000_000);
const PISCINA_INPUTS = Number(process.env.PISCINA_INPUTS ?? 1_000_000);

interface Probe {
  mode: 'stream' | 'map' | 'piscina';
  inputs: number;
  maxRssMb: number;
  sampledPeakRssMb: number;
  seconds: number;
  tasksPerSecond: number;
}

/** V8 flags of the caller's process for the small-heaps run. */
const SMALL_HEAPS = ['--max-old-space-size=256', '--max-semi-space-size=8'];

function probe(mode: Probe['mode'], inputs: number, youngMb?: number, nodeFlags: readonly string[] = []): Probe {
  const script = new URL('./fixtures/stream-probe.mjs', import.meta.url).pathname;
  const output = execFileSync(process.execPath, [...nodeFlags, script, mode, String(inputs), ...(youngMb === undefined ? [] : [String(youngMb)])], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Probe;
  const setting = youngMb === undefined ? '' : `(young generation ${youngMb} MB) `;
  console.log(
    `${mode.padEnd(6)} ${setting}${nodeFlags.length === 0 ? '' : `(node ${nodeFlags.join(' ')}) `}${inputs.toLocaleString().padStart(11)} no-op inputs: peak RSS ${result.maxRssMb} MB (sampled ${result.sampledPeakRssMb} MB), ${result.seconds} s, ${result.tasksPerSecond.toLocaleString()} tasks/s`,
  );
  return result;
}

const stream = probe('stream', STREAM_INPUTS);
const young4 = probe('stream', STREAM_INPUTS, 4);
const smallHeaps = probe('stream', STREAM_INPUTS, undefined, SMALL_HEAPS);
const map = MAP_INPUTS > 0 ? probe('map', MAP_INPUTS) : undefined;
const piscina = PISCINA_INPUTS > 0 ? probe('piscina', PISCINA_INPUTS) : undefined;
const target = 300;
for (const [label, run] of [
  ['defaults', stream],
  ['workerYoungGenerationMb 4', young4],
  [`node ${SMALL_HEAPS.join(' ')}`, smallHeaps],
] as const) {
  console.log(
    `stream peak RSS (${label}) ${run.maxRssMb} MB for ${STREAM_INPUTS.toLocaleString()} inputs: target < ${target} MB ${run.maxRssMb < target ? 'met' : 'MISSED'}`,
  );
}
console.log(
  JSON.stringify({
    streamPeakRssMb: stream.maxRssMb,
    inputs: STREAM_INPUTS,
    tasksPerSecond: stream.tasksPerSecond,
    streamYoung4PeakRssMb: young4.maxRssMb,
    streamYoung4TasksPerSecond: young4.tasksPerSecond,
    streamSmallHeapsPeakRssMb: smallHeaps.maxRssMb,
    streamSmallHeapsTasksPerSecond: smallHeaps.tasksPerSecond,
    ...(map === undefined ? {} : { mapPeakRssMb: map.maxRssMb, mapInputs: MAP_INPUTS }),
    ...(piscina === undefined ? {} : { piscinaPeakRssMb: piscina.maxRssMb, piscinaTasksPerSecond: piscina.tasksPerSecond, piscinaInputs: PISCINA_INPUTS }),
  }),
);
