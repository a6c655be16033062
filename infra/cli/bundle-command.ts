/** `spillway bundle`: builds the Lambda and Cloud Functions bundles of a task module (infra/bundle.ts). */
import type { Command } from 'commander';
import { formatBytes } from '../format-bytes.js';
import { loadEsbuild } from '../peers.js';
import { progress, result, resultJson } from './output.js';

/** Options of `spillway bundle`, as commander parses them. */
interface BundleCommandOptions {
  tasks: string;
  out: string;
  json?: boolean;
}

/** Registers `spillway bundle` on `program`. */
export function registerBundleCommand(program: Command): void {
  program
    .command('bundle')
    .description('Bundle a task module for AWS Lambda (lambda/, lambda.zip) and Cloud Functions gen2 (gcf/, gcf.zip), with a manifest.json')
    .requiredOption('--tasks <module>', 'path of the task module (.js, .mjs or .ts)')
    .option('--out <dir>', 'output folder', '.spillway')
    .option('--json', 'print the manifest as JSON instead of a summary line')
    .action(async (options: BundleCommandOptions) => {
      // esbuild is an optional peer; named here so a missing one says `spillway bundle`.
      await loadEsbuild('spillway bundle');
      const { bundleTaskModule } = await import('../bundle.js');
      const bundle = await bundleTaskModule({ tasks: options.tasks, outDir: options.out, onStep: progress });
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
