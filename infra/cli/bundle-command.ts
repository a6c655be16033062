/** `spillway bundle`: builds the Lambda and Cloud Functions bundles of a task module (infra/bundle.ts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { BundleResult } from '../bundle.js';
import { bundleParts, formatBundleParts } from '../bundle-analysis.js';
import { formatBytes } from '../format-bytes.js';
import { findSpillwayPackage } from '../package-root.js';
import { loadEsbuild } from '../peers.js';
import { progress, result, resultJson } from './output.js';

/** Options of `spillway bundle`, as commander parses them. */
interface BundleCommandOptions {
  tasks: string;
  out: string;
  json?: boolean;
  analyze?: boolean;
}

/** Writes each target's metafile next to its zip and prints its parts and esbuild's analysis on stderr. */
async function analyze(bundle: BundleResult): Promise<void> {
  const { analyzeMetafile } = await loadEsbuild('spillway bundle --analyze');
  const spillwayDist = join(findSpillwayPackage().root, 'dist');
  for (const target of ['lambda', 'gcf'] as const) {
    const metafile = bundle.metafiles[target];
    writeFileSync(join(bundle.outDir, `${target}.meta.json`), `${JSON.stringify(metafile)}\n`);
    const entry = bundle.manifest.targets[target].entry;
    for (const line of formatBundleParts(entry, bundleParts(metafile, spillwayDist), formatBytes)) progress(line);
    progress(await analyzeMetafile(metafile));
  }
}

/** Registers `spillway bundle` on `program`. */
export function registerBundleCommand(program: Command): void {
  program
    .command('bundle')
    .description('Bundle a task module for AWS Lambda (lambda/, lambda.zip) and Cloud Functions gen2 (gcf/, gcf.zip), with a manifest.json')
    .requiredOption('--tasks <module>', 'path of the task module (.js, .mjs or .ts)')
    .option('--out <dir>', 'output folder', '.spillway')
    .option('--json', 'print the manifest as JSON instead of a summary line')
    .option('--analyze', "write lambda.meta.json and gcf.meta.json (esbuild's metafiles) and print what each bundle is made of, on stderr")
    .action(async (options: BundleCommandOptions) => {
      // esbuild is an optional peer; named here so a missing one says `spillway bundle`.
      await loadEsbuild('spillway bundle');
      const { bundleTaskModule } = await import('../bundle.js');
      const bundle = await bundleTaskModule({ tasks: options.tasks, outDir: options.out, onStep: progress });
      if (options.analyze) await analyze(bundle);
      if (options.json) {
        resultJson(bundle.manifest);
        return;
      }
      const { lambda, gcf } = bundle.manifest.targets;
      result(
        `done     ${bundle.manifest.tasks.length} tasks; lambda ${lambda.runtime} ${formatBytes(lambda.zipBytes)}; gcf ${gcf.runtime} ${formatBytes(gcf.zipBytes)}`,
      );
    });
}
