/**
 * bench/spill-output: time and peak RSS of the caller for a 10 MB Uint8Array
 * output that travels back from Lambda through the S3 payload store.
 *
 * A real local S3-compatible server (s3rver on 127.0.0.1) runs in this
 * process; each measurement runs in a process of its own
 * (bench/spill-output-probe.ts: `startDev` of `spillway/dev` with the
 * Lambda emulator, one warm-up call, then `REPS` calls of `produce`), so its
 * peak RSS is the caller's alone. The baseline (floor), in processes of its
 * own too: the same 10 MB put and got with the plain SDK
 * (`transformToByteArray`). `PROCESSES` (at least 5) processes per side,
 * interleaved. `SPILL_OUTPUT_ROOTS` (comma-separated folders of built
 * spillway checkouts, default this one) compares builds: each root's probe
 * imports that root's `spillway`.
 *
 * Prints, per side, the median over processes of each process's median time,
 * of its peak RSS and of the peak RSS the calls added (peak after the last
 * call minus peak before the first), with min-max; then spillway / floor and,
 * with several roots, the first root / each other. Last line:
 * `{ outputRoundTripMs, addedRssMb, timeVsFloor, addedRssVsFloor, ... }` of the first root.
 *
 * Run: npm run bench:spill-output   (builds dist/ first)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import S3rver from 's3rver';
import { median } from './median.js';

const PROCESSES = Math.max(5, Number(process.env.PROCESSES ?? 5));
const REPS = Math.max(5, Number(process.env.REPS ?? 5));
const BUCKET = 'spill-output';
const ROOTS = (process.env.SPILL_OUTPUT_ROOTS ?? fileURLToPath(new URL('..', import.meta.url))).split(',').map((root) => resolve(root));

interface ProbeResult {
  times: number[];
  rssBeforeMb: number;
  peakRssMb: number;
}

const summary = (values: number[]): string => `${median(values).toFixed(1)} [${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}]`;

/** A side of the comparison: a root's spillway, or the plain SDK (`floor`, run by the first root's probe). */
const FLOOR = 'floor';

async function probe(side: string, endpoint: string): Promise<ProbeResult> {
  const root = side === FLOOR ? ROOTS[0] : side;
  const { stdout } = await promisify(execFile)('npx', ['tsx', join(root, 'bench/spill-output-probe.ts')], {
    cwd: root,
    env: { ...process.env, SPILL_S3_ENDPOINT: endpoint, SPILL_S3_BUCKET: BUCKET, REPS: String(REPS), SPILL_PROBE: side === FLOOR ? 'floor' : 'spillway' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ProbeResult;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'spillway-bench-s3-'));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = (await s3.run()) as { port: number };
  const sides = [...ROOTS, FLOOR];
  const results = new Map<string, ProbeResult[]>(sides.map((side) => [side, []]));
  try {
    for (let round = 0; round < PROCESSES; round += 1) {
      // Rotate which side goes first, so machine noise hits every one.
      for (let turn = 0; turn < sides.length; turn += 1) {
        const side = sides[(round + turn) % sides.length];
        const result = await probe(side, `http://127.0.0.1:${port}`);
        results.get(side)?.push(result);
        console.log(`process ${round + 1} ${side}: median ${median(result.times).toFixed(1)} ms, peak RSS ${result.peakRssMb.toFixed(1)} MB`);
      }
    }
  } finally {
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  }
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(`\n10 MB Uint8Array output through S3 from Lambda, ${PROCESSES} processes x ${REPS} calls, load average ${load}`);
  const rows = new Map(
    sides.map((side) => {
      const runs = results.get(side) ?? [];
      const times = runs.map((run) => median(run.times));
      const peaks = runs.map((run) => run.peakRssMb);
      const added = runs.map((run) => run.peakRssMb - run.rssBeforeMb);
      console.log(`${side}: round trip ${summary(times)} ms, peak RSS ${summary(peaks)} MB, added by the calls ${summary(added)} MB`);
      return [side, { timeMs: median(times), peakRssMb: median(peaks), addedRssMb: median(added) }] as const;
    }),
  );
  const row = (side: string) => rows.get(side) ?? { timeMs: Number.NaN, peakRssMb: Number.NaN, addedRssMb: Number.NaN };
  const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;
  for (const root of ROOTS) {
    console.log(`${root} / floor: time ${ratio(row(root).timeMs, row(FLOOR).timeMs)}, added RSS ${ratio(row(root).addedRssMb, row(FLOOR).addedRssMb)}`);
  }
  for (const root of ROOTS.slice(1)) {
    console.log(
      `${ROOTS[0]} / ${root}: time ${ratio(row(ROOTS[0]).timeMs, row(root).timeMs)}, added RSS ${ratio(row(ROOTS[0]).addedRssMb, row(root).addedRssMb)}`,
    );
  }
  const round1 = (value: number): number => Math.round(value * 10) / 10;
  const first = row(ROOTS[0]);
  console.log(
    JSON.stringify({
      outputRoundTripMs: round1(first.timeMs),
      peakRssMb: round1(first.peakRssMb),
      addedRssMb: round1(first.addedRssMb),
      timeVsFloor: ratio(first.timeMs, row(FLOOR).timeMs),
      addedRssVsFloor: ratio(first.addedRssMb, row(FLOOR).addedRssMb),
      floorMs: round1(row(FLOOR).timeMs),
      floorAddedRssMb: round1(row(FLOOR).addedRssMb),
      ...(ROOTS.length > 1
        ? { timeVsSecondRoot: ratio(first.timeMs, row(ROOTS[1]).timeMs), addedRssVsSecondRoot: ratio(first.addedRssMb, row(ROOTS[1]).addedRssMb) }
        : {}),
      processes: PROCESSES,
      reps: REPS,
    }),
  );
}

await main();
