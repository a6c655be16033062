/** `spillway teardown lambda|gcf`: the CLI over `teardownLambda` and `teardownGcf`. */
import type { Command } from 'commander';
import { progress, result, resultJson } from './output.js';

/** What a teardown prints on stdout: one line, or (`--json`) `{ deleted, platform, functionName }`. */
function reportDeleted(platform: 'lambda' | 'gcf', functionName: string, json: boolean | undefined): void {
  if (json) resultJson({ deleted: true, platform, functionName });
  else result(`deleted  ${platform} function ${functionName}`);
}

/** Registers `teardown lambda` and `teardown gcf` on `program`. */
export function registerTeardownCommand(program: Command): void {
  const teardown = program.command('teardown').description('Delete what `spillway deploy` created (only functions labelled managed-by: spillway)');

  teardown
    .command('lambda')
    .description('Delete the function with its versions and aliases; refuses a function not tagged managed-by: spillway')
    .requiredOption('--function <name>', 'function name')
    .option('--region <region>', 'AWS region')
    .option('--endpoint <url>', 'Lambda endpoint URL (for LocalStack or tests)')
    .option('--json', 'print { deleted, platform, functionName } as JSON')
    .action(async (options: { function: string; region?: string; endpoint?: string; json?: boolean }) => {
      const [{ teardownLambda }, { createLambdaDeployClient }] = await Promise.all([import('../teardown-lambda.js'), import('../lambda-client.js')]);
      const client = () =>
        createLambdaDeployClient(
          { ...(options.region === undefined ? {} : { region: options.region }), ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }) },
          'spillway teardown lambda',
        );
      await teardownLambda({ functionName: options.function }, { client, log: progress });
      reportDeleted('lambda', options.function, options.json);
    });

  teardown
    .command('gcf')
    .description('Delete the function and wait for the operation; refuses a function not labelled managed-by: spillway')
    .requiredOption('--function <name>', 'function id')
    .requiredOption('--project <id>', 'Google Cloud project id')
    .requiredOption('--region <region>', 'region')
    .option('--api-endpoint <url>', 'Cloud Functions v2 API base URL (for tests)')
    .option('--json', 'print { deleted, platform, functionName } as JSON')
    .action(async (options: { function: string; project: string; region: string; apiEndpoint?: string; json?: boolean }) => {
      const [{ teardownGcf }, { createGcfApi }] = await Promise.all([import('../teardown-gcf.js'), import('../gcf-api.js')]);
      const api = createGcfApi({
        feature: 'spillway teardown gcf',
        project: options.project,
        ...(options.apiEndpoint === undefined ? {} : { baseUrl: options.apiEndpoint }),
      });
      await teardownGcf({ functionName: options.function, project: options.project, region: options.region }, { api, log: progress });
      reportDeleted('gcf', options.function, options.json);
    });
}
