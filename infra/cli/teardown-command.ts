/** `spillway teardown lambda|gcf`: the CLI over `teardownLambda` and `teardownGcf`. */
import type { Command } from 'commander';
import { createGcfApi } from '../gcf-api.js';
import { createLambdaDeployClient } from '../lambda-client.js';
import { teardownGcf } from '../teardown-gcf.js';
import { teardownLambda } from '../teardown-lambda.js';

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Registers `teardown lambda` and `teardown gcf` on `program`. */
export function registerTeardownCommand(program: Command): void {
  const teardown = program.command('teardown').description('Delete what `spillway deploy` created (only functions labelled managed-by: spillway)');

  teardown
    .command('lambda')
    .description('Delete the function with its versions and aliases; refuses a function not tagged managed-by: spillway')
    .requiredOption('--function <name>', 'function name')
    .option('--region <region>', 'AWS region')
    .option('--endpoint <url>', 'Lambda endpoint URL (for LocalStack or tests)')
    .action(async (options: { function: string; region?: string; endpoint?: string }) => {
      const client = createLambdaDeployClient({
        ...(options.region === undefined ? {} : { region: options.region }),
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      });
      await teardownLambda({ functionName: options.function }, { client, log: progress });
    });

  teardown
    .command('gcf')
    .description('Delete the function and wait for the operation; refuses a function not labelled managed-by: spillway')
    .requiredOption('--function <name>', 'function id')
    .requiredOption('--project <id>', 'Google Cloud project id')
    .requiredOption('--region <region>', 'region')
    .option('--api-endpoint <url>', 'Cloud Functions v2 API base URL (for tests)')
    .action(async (options: { function: string; project: string; region: string; apiEndpoint?: string }) => {
      const api = createGcfApi({ project: options.project, ...(options.apiEndpoint === undefined ? {} : { baseUrl: options.apiEndpoint }) });
      await teardownGcf({ functionName: options.function, project: options.project, region: options.region }, { api, log: progress });
    });
}
