/** `spillway bundle`: builds the Lambda and Cloud Functions bundles of a task module (infra/bundle.ts). */
import type { Command } from 'commander';
import { bundleTaskModule } from '../bundle.js';
import { formatBytes } from '../format-bytes.js';

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
    .option('--json', 'print the manifest as JSON instead of progress lines')
    .action(async (options: BundleCommandOptions) => {
      const result = await bundleTaskModule({
        tasks: options.tasks,
        outDir: options.out,
        ...(options.json ? {} : { onStep: (line: string) => console.log(line) }),
      });
      if (options.json) {
        console.log(JSON.stringify(result.manifest, null, 2));
        return;
      }
      const { lambda, gcf } = result.manifest.targets;
      console.log(
        `done     ${result.manifest.tasks.length} tasks; lambda ${lambda.runtime} ${formatBytes(lambda.zipBytes)}; gcf ${gcf.runtime} ${formatBytes(gcf.zipBytes)}`,
      );
    });
}
