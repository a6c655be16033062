#!/usr/bin/env node
/**
 * The `spillway` command line. Today: `spillway inspect`, which lists the
 * tasks a module exports and its content hash. The infra commands (`bundle`,
 * `deploy`, `teardown`, `dev`, `iam-policy`) arrive with the remote backends.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { isOffloadError } from '../errors.js';
import { registerBundleCommand } from './bundle-command.js';
import { registerDeployCommand } from './deploy-command.js';
import { registerDevCommand } from './dev-command.js';
import { registerIamPolicyCommand } from './iam-policy-command.js';
import { inspectTaskModule } from './inspect.js';
import { registerTeardownCommand } from './teardown-command.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('spillway')
  .description('Run task functions on a local worker pool; spill bursts to AWS Lambda or Google Cloud Functions.')
  .version(version);

program
  .command('inspect')
  .description('List the offloadable tasks a module exports, their limits, and the module content hash that envelopes carry')
  .requiredOption('--tasks <module>', 'path of the task module (compiled .js, or .ts when tsx is installed)')
  .option('--json', 'print JSON instead of a table')
  .action(async (options: { tasks: string; json?: boolean }) => {
    const report = await inspectTaskModule(resolve(options.tasks));
    if (options.json) {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    console.log(`module  ${report.module}\nhash    ${report.bundleHash}\ntasks   ${report.tasks.length}`);
    for (const task of report.tasks) {
      const limits = [`idempotent=${task.idempotent}`, `retries=${task.retries}`];
      if (task.timeoutMs !== undefined) limits.push(`timeoutMs=${task.timeoutMs}`);
      if (task.memoryMb !== undefined) limits.push(`memoryMb=${task.memoryMb}`);
      console.log(`  - ${task.name.padEnd(24)} ${task.hasInputSchema ? 'input schema' : 'no input schema'}; ${limits.join(' ')}`);
    }
  });

registerBundleCommand(program);
registerDevCommand(program);
registerDeployCommand(program);
registerTeardownCommand(program);
registerIamPolicyCommand(program);

program.parseAsync().catch((error: unknown) => {
  const message = isOffloadError(error) || error instanceof Error ? error.message : String(error);
  console.error(`spillway: ${message}`);
  process.exitCode = 1;
});
