#!/usr/bin/env node
/**
 * The `spillway` command line (bin `spillway`, built to dist/cli/index.js):
 * `inspect` (the tasks a module exports and its content hash), `bundle`,
 * `dev` (the bundle on the local emulators), `deploy lambda|gcf`,
 * `teardown lambda|gcf`, `iam-policy`, `simulate` (a sweep of burst
 * thresholds over a recorded trace) and `report` (a run's timeline as HTML
 * or Chrome trace JSON). Each command's wiring lives in its
 * own file here and imports its implementation (one folder up) when it runs,
 * so `--help`, `--version` and `inspect` load none of the optional peers
 * (esbuild, the AWS SDK, google-auth-library).
 *
 * Conventions: progress on stderr, results on stdout (`--json` for one JSON
 * document); exit 0 on success, 2 on a usage error, 1 on a failure.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerBundleCommand } from './bundle-command.js';
import { registerDeployCommand } from './deploy-command.js';
import { registerDevCommand } from './dev-command.js';
import { errorLine, exitCodeOf } from './exit-code.js';
import { registerIamPolicyCommand } from './iam-policy-command.js';
import { registerInspectCommand } from './inspect-command.js';
import { registerReportCommand } from './report-command.js';
import { showSdkNodeWarningOnce } from './sdk-warning.js';
import { registerSimulateCommand } from './simulate-command.js';
import { registerTeardownCommand } from './teardown-command.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

showSdkNodeWarningOnce();

// exitOverride before the commands are added, so every subcommand inherits it: commander throws instead of exiting.
const program = new Command()
  .name('spillway')
  .description('Run task functions on a local worker pool; spill bursts to AWS Lambda or Google Cloud Functions.')
  .version(version)
  .exitOverride();

registerInspectCommand(program);
registerBundleCommand(program);
registerDevCommand(program);
registerDeployCommand(program);
registerTeardownCommand(program);
registerIamPolicyCommand(program);
registerSimulateCommand(program);
registerReportCommand(program);

program.parseAsync().catch((error: unknown) => {
  const line = errorLine(error);
  if (line !== undefined) console.error(line);
  process.exitCode = exitCodeOf(error);
});
