/**
 * bench/coldstart: what spillway adds to a function's cold start. Bundles the
 * quickstart's task module with `spillway bundle` (the Lambda and Cloud
 * Functions entries) and, as the baseline, the same task module alone with the
 * same esbuild settings; then imports each bundle in a fresh Node process,
 * RUNS times (>= 15), interleaved, and compares medians.
 *
 * The Cloud Functions entry imports the Functions Framework, which the
 * platform loads anyway (it is the server that calls the function): every
 * probe loads the framework before the clock starts, so only the bundle's own
 * import is timed, for both sides alike.
 *
 * Last line: { lambdaImportRatio, gcfImportRatio, ... } where a ratio is the
 * median import time of spillway's bundle over the median of the module alone
 * (target <= 1.15), and the median CPU time of each import (`...CpuMs`).
 *
 * Run: npm run bench:coldstart   (builds dist/ first; RUNS=15 by default)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_RUNTIMES } from 'spillway/contract';
import { median } from './median.js';

const RUNS = Math.max(15, Number(process.env.RUNS ?? 15));
const root = fileURLToPath(new URL('..', import.meta.url));
const tasks = join(root, 'examples/quickstart/tasks.ts');
// Inside the repository so the bundles resolve the Functions Framework from its node_modules.
const outDir = join(root, 'node_modules/.cache/spillway-coldstart');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

execFileSync(process.execPath, [join(root, 'dist/cli/index.js'), 'bundle', '--tasks', tasks, '--out', join(outDir, 'spillway'), '--json'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
const alone = join(outDir, 'alone/index.mjs');
await build({
  entryPoints: [tasks],
  outfile: alone,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_RUNTIMES.esbuildTarget,
  logLevel: 'silent',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

const probe = join(outDir, 'probe.mjs');
writeFileSync(
  probe,
  [
    "if (process.argv[3] === 'gcf') await import('@google-cloud/functions-framework');",
    'const startedAt = performance.now();',
    'const cpuBefore = process.cpuUsage();',
    'await import(process.argv[2]);',
    'const cpu = process.cpuUsage(cpuBefore);',
    "process.stdout.write(String(performance.now() - startedAt) + ' ' + String((cpu.user + cpu.system) / 1000));",
  ].join('\n'),
);

const bundles = {
  lambda: join(outDir, 'spillway/lambda/index.mjs'),
  gcf: join(outDir, 'spillway/gcf/index.mjs'),
  alone,
};

/** Wall and CPU (user + system) milliseconds of one import in a fresh process. */
function importMs(file: string, platform: 'lambda' | 'gcf'): { wallMs: number; cpuMs: number } {
  const [wallMs, cpuMs] = execFileSync(process.execPath, [probe, file, platform], { encoding: 'utf8' }).split(' ').map(Number);
  return { wallMs, cpuMs };
}

const runs = {
  lambda: [bundles.lambda, 'lambda'],
  aloneLambda: [bundles.alone, 'lambda'],
  gcf: [bundles.gcf, 'gcf'],
  aloneGcf: [bundles.alone, 'gcf'],
} as const;
const samples = { lambda: [] as number[], gcf: [] as number[], aloneLambda: [] as number[], aloneGcf: [] as number[] };
// CPU time of the import: steadier than wall time on a loaded machine, and what a fractional-vCPU function stretches.
const cpuSamples = { lambda: [] as number[], gcf: [] as number[], aloneLambda: [] as number[], aloneGcf: [] as number[] };
for (let run = 0; run < RUNS; run++) {
  for (const [name, [file, platform]] of Object.entries(runs) as [keyof typeof runs, (typeof runs)[keyof typeof runs]][]) {
    const { wallMs, cpuMs } = importMs(file, platform);
    samples[name].push(wallMs);
    cpuSamples[name].push(cpuMs);
  }
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const spread = (values: number[]) => `${round(Math.min(...values))}-${round(Math.max(...values))}`;
for (const [name, values] of Object.entries(samples)) {
  const cpu = cpuSamples[name as keyof typeof cpuSamples];
  console.log(
    `${name.padEnd(12)} median ${round(median(values)).toString().padStart(7)} ms  (min-max ${spread(values)} ms, ${values.length} runs); CPU ${round(median(cpu))} ms (min-max ${spread(cpu)} ms)`,
  );
}
const bytes = (file: string) => statSync(file).size;
console.log(`bundle bytes: lambda ${bytes(bundles.lambda)}, gcf ${bytes(bundles.gcf)}, module alone ${bytes(bundles.alone)}`);
console.log(
  JSON.stringify({
    lambdaImportRatio: round(median(samples.lambda) / median(samples.aloneLambda), 3),
    gcfImportRatio: round(median(samples.gcf) / median(samples.aloneGcf), 3),
    lambdaImportMs: round(median(samples.lambda)),
    gcfImportMs: round(median(samples.gcf)),
    moduleAloneImportMs: round(median(samples.aloneLambda)),
    lambdaImportCpuMs: round(median(cpuSamples.lambda)),
    gcfImportCpuMs: round(median(cpuSamples.gcf)),
    moduleAloneImportCpuMs: round(median(cpuSamples.aloneLambda)),
    lambdaBundleBytes: bytes(bundles.lambda),
    gcfBundleBytes: bytes(bundles.gcf),
    moduleAloneBytes: bytes(bundles.alone),
    runs: RUNS,
  }),
);
