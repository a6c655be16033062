/** `spillway deploy lambda|gcf`: the CLI over `deployLambda` and `deployGcf`. */
import type { Command } from 'commander';
import { DEFAULT_LAMBDA_ARCHITECTURE, DEFAULT_LAMBDA_MEMORY_MB, DEFAULT_LAMBDA_RUNTIME } from '../lambda-options.js';
import { gcfDeployJson, gcfDeployText, lambdaDeployJson, lambdaDeployText } from './deploy-summary.js';
import { collectEnv, parseInteger } from './option-parsers.js';
import { progress, result, resultJson } from './output.js';

/** Registers `deploy lambda` and `deploy gcf` on `program`. */
export function registerDeployCommand(program: Command): void {
  const deploy = program.command('deploy').description('Deploy the bundle (`spillway bundle`) to AWS Lambda or Google Cloud Functions');

  deploy
    .command('lambda')
    .description('Create or update the Lambda function, wait until Active, publish a version and move the alias to it')
    .requiredOption('--function <name>', 'function name')
    .option('--role <arn>', 'ARN of an existing execution role (required to create; spillway never creates roles)')
    .option('--region <region>', 'AWS region (default: the SDK resolution, e.g. AWS_REGION)')
    .option('--alias <name>', 'alias moved to the new version', 'live')
    .option('--runtime <runtime>', `Lambda runtime (default: ${DEFAULT_LAMBDA_RUNTIME}; nodejs18.x and older are refused)`)
    .option('--handler <handler>', "handler inside the zip (default: the manifest's, index.handler)")
    .option('--memory <mb>', `memory in MB (128-10240; default: ${DEFAULT_LAMBDA_MEMORY_MB}, as lambda() assumes)`, parseInteger)
    .option('--timeout <seconds>', 'timeout in seconds (1-900)', parseInteger, 60)
    .option('--architecture <arch>', `x86_64 or arm64 (default: ${DEFAULT_LAMBDA_ARCHITECTURE}, as lambda() prices)`)
    .option('--env <KEY=VALUE>', 'extra environment variable (repeatable); SPILLWAY_BUNDLE_HASH is always set', collectEnv, {})
    .option('--zip <path>', "the Lambda zip (default: the manifest's, .spillway/lambda.zip)")
    .option('--manifest <path>', 'the bundle manifest', '.spillway/manifest.json')
    .option('--record <path>', 'where to write what was deployed (default: .spillway/lambda.deployment.json, next to the manifest)')
    .option('--endpoint <url>', 'Lambda endpoint URL (for LocalStack or tests)')
    .option('--json', 'print the deployment as JSON instead of summary lines')
    .action(
      async (options: {
        function: string;
        role?: string;
        region?: string;
        alias: string;
        runtime?: string;
        handler?: string;
        memory?: number;
        timeout: number;
        architecture?: string;
        env: Record<string, string>;
        zip?: string;
        manifest: string;
        record?: string;
        endpoint?: string;
        json?: boolean;
      }) => {
        const [{ deployLambda }, { createLambdaDeployClient }] = await Promise.all([import('../deploy-lambda.js'), import('../lambda-client.js')]);
        // Created once the options and the bundle are checked, so those errors come without the SDK.
        const client = () =>
          createLambdaDeployClient(
            {
              ...(options.region === undefined ? {} : { region: options.region }),
              ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
            },
            'spillway deploy lambda',
          );
        const deployed = await deployLambda(
          {
            functionName: options.function,
            ...(options.role === undefined ? {} : { role: options.role }),
            alias: options.alias,
            ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
            ...(options.handler === undefined ? {} : { handler: options.handler }),
            ...(options.memory === undefined ? {} : { memoryMb: options.memory }),
            timeoutSeconds: options.timeout,
            ...(options.architecture === undefined ? {} : { architecture: options.architecture as 'x86_64' }),
            environment: options.env,
            ...(options.zip === undefined ? {} : { zipPath: options.zip }),
            manifestPath: options.manifest,
            ...(options.record === undefined ? {} : { recordPath: options.record }),
          },
          { client, log: progress },
        );
        if (options.json) resultJson(lambdaDeployJson(deployed));
        else result(lambdaDeployText(deployed));
      },
    );

  deploy
    .command('gcf')
    .description('Deploy the gcf bundle as a private gen2 HTTP function (entry point spillway) and print its URL')
    .requiredOption('--function <name>', 'function id')
    .requiredOption('--project <id>', 'Google Cloud project id')
    .requiredOption('--region <region>', 'region, e.g. europe-west1')
    .option('--memory <mb>', 'memory in MiB (128-32768)', parseInteger, 512)
    .option('--timeout <seconds>', 'timeout in seconds (1-3600)', parseInteger, 60)
    .option('--ingress <setting>', 'ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB', 'ALLOW_ALL')
    .option('--env <KEY=VALUE>', 'extra environment variable (repeatable); SPILLWAY_BUNDLE_HASH is always set', collectEnv, {})
    .option('--zip <path>', "the Cloud Functions zip (default: the manifest's, .spillway/gcf.zip)")
    .option('--manifest <path>', 'the bundle manifest', '.spillway/manifest.json')
    .option('--record <path>', 'where to write what was deployed (default: .spillway/gcf.deployment.json, next to the manifest)')
    .option('--print-gcloud', 'print the equivalent gcloud command instead of deploying')
    .option('--source-dir <dir>', "unpacked source directory for --print-gcloud (default: the manifest's, .spillway/gcf)")
    .option('--api-endpoint <url>', 'Cloud Functions v2 API base URL (for tests)')
    .option('--json', 'print the deployment (or, with --print-gcloud, { command }) as JSON')
    .action(
      async (options: {
        function: string;
        project: string;
        region: string;
        memory: number;
        timeout: number;
        ingress: string;
        env: Record<string, string>;
        zip?: string;
        manifest: string;
        record?: string;
        printGcloud?: boolean;
        sourceDir?: string;
        apiEndpoint?: string;
        json?: boolean;
      }) => {
        const deployOptions = {
          functionName: options.function,
          project: options.project,
          region: options.region,
          memoryMb: options.memory,
          timeoutSeconds: options.timeout,
          ingress: options.ingress as 'ALLOW_ALL',
          environment: options.env,
          ...(options.zip === undefined ? {} : { zipPath: options.zip }),
          manifestPath: options.manifest,
          ...(options.record === undefined ? {} : { recordPath: options.record }),
        };
        if (options.printGcloud === true) {
          const { gcloudDeployCommandForBundle } = await import('../gcloud-command.js');
          const command = await gcloudDeployCommandForBundle(deployOptions, options.sourceDir);
          if (options.json) resultJson({ command });
          else result(command);
          return;
        }
        const [{ deployGcf }, { createGcfApi }] = await Promise.all([import('../deploy-gcf.js'), import('../gcf-api.js')]);
        const api = createGcfApi({
          feature: 'spillway deploy gcf',
          project: options.project,
          ...(options.apiEndpoint === undefined ? {} : { baseUrl: options.apiEndpoint }),
        });
        const deployed = await deployGcf(deployOptions, { api, log: progress });
        if (options.json) resultJson(gcfDeployJson(deployed));
        else result(gcfDeployText(deployed));
      },
    );
}
