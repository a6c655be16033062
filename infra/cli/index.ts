#!/usr/bin/env node
/**
 * The `spillway` command line (bin `spillway`, built to dist/cli/index.js):
 * `inspect` (the tasks a module exports and its content hash), `bundle`,
 * `dev` (the bundle on the local emulators), `deploy lambda|gcf`,
 * `teardown lambda|gcf` and `iam-policy`. Each command's wiring lives in its
 * own file here; the work is done by the infra modules one folder up.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { isOffloadError } from '../../src/errors.js';
import { registerBundleCommand } from './bundle-command.js';
import { registerDeployCommand } from './deploy-command.js';
import { registerDevCommand } from './dev-command.js';
import { registerIamPolicyCommand } from './iam-policy-command.js';
import { registerInspectCommand } from './inspect-command.js';
import { registerTeardownCommand } from './teardown-command.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('spillway')
  .description('Run task functions on a local worker pool; spill bursts to AWS Lambda or Google Cloud Functions.')
  .version(version);

registerInspectCommand(program);
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
