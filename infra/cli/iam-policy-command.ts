/** `spillway iam-policy`: prints the least-privilege IAM documents as JSON. */
import type { Command } from 'commander';
import { resultJson } from './output.js';

/** Registers `iam-policy` on `program`. */
export function registerIamPolicyCommand(program: Command): void {
  program
    .command('iam-policy')
    .description("Print the caller's invoke policy, the execution role's logs-only policy and its trust policy, as JSON")
    .requiredOption('--region <region>', 'AWS region')
    .requiredOption('--account <id>', '12-digit AWS account id')
    .requiredOption('--function <name>', 'function name')
    .option('--alias <name>', 'alias callers invoke', 'live')
    .option('--json', 'print JSON (the output is JSON either way; accepted like on every command)')
    .action(async (options: { region: string; account: string; function: string; alias: string }) => {
      const { buildIamPolicies } = await import('../iam-policy.js');
      resultJson(buildIamPolicies({ region: options.region, account: options.account, functionName: options.function, alias: options.alias }));
    });
}
