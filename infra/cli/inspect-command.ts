/**
 * `spillway inspect`: prints the tasks a module exports, their limits, its
 * content hash and the local pool's default worker count here (infra/cli/inspect.ts).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { result, resultJson } from './output.js';

/** Options of `spillway inspect`, as commander parses them. */
interface InspectCommandOptions {
  tasks: string;
  json?: boolean;
}

/** Registers `spillway inspect` on `program`. */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description(
      "List the offloadable tasks a module exports, their limits, the module content hash that envelopes carry, and the local pool's default worker count on this machine",
    )
    .requiredOption('--tasks <module>', 'path of the task module (compiled .js, or .ts when tsx is installed)')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: InspectCommandOptions) => {
      const { inspectTaskModule } = await import('./inspect.js');
      const report = await inspectTaskModule(resolve(options.tasks));
      if (options.json) {
        resultJson(report);
        return;
      }
      const lines = [`module  ${report.module}`, `hash    ${report.bundleHash}`, `tasks   ${report.tasks.length}`];
      for (const task of report.tasks) {
        const limits = [`idempotent=${task.idempotent}`, `retries=${task.retries}`];
        if (task.timeoutMs !== undefined) limits.push(`timeoutMs=${task.timeoutMs}`);
        if (task.memoryMb !== undefined) limits.push(`memoryMb=${task.memoryMb}`);
        lines.push(`  - ${task.name.padEnd(24)} ${task.hasInputSchema ? 'input schema' : 'no input schema'}; ${limits.join(' ')}`);
      }
      lines.push(`workers ${report.local.maxWorkers} (default local.maxWorkers, from ${report.local.source})`);
      result(lines.join('\n'));
    });
}
