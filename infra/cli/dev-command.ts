/** `spillway dev`: bundles a task module and serves it with the local emulators (`startDev`, infra/dev.ts) until Ctrl-C or SIGTERM. */
import type { Command } from 'commander';
import type { DevSession } from '../dev.js';
import { loadEsbuild } from '../peers.js';
import { progress, result } from './output.js';

/** Options of `spillway dev`, as commander parses them. */
interface DevCommandOptions {
  tasks: string;
  out: string;
  lambda: boolean;
  json?: boolean;
}

/** What `--json` prints once the emulators are ready: one object, on one line. */
function sessionJson(session: DevSession): Record<string, unknown> {
  const { gcfUrl, lambda, bundleHash, taskNames, outDir, env } = session;
  return { gcfUrl, ...(lambda === undefined ? {} : { lambda }), bundleHash, taskNames, outDir, env };
}

/** The URLs and the variables that point `lambda()` / `cloudFunctions()` at them. */
function sessionText(session: DevSession): string {
  const lines = [`gcf      ${session.gcfUrl} (entry point spillway)`];
  if (session.lambda !== undefined) lines.push(`lambda   ${session.lambda.endpoint} (function ${session.lambda.functionName})`);
  lines.push('', 'Point lambda() / cloudFunctions() at them with:');
  for (const [name, value] of Object.entries(session.env)) lines.push(`  export ${name}=${value}`);
  if (session.lambda !== undefined)
    lines.push(`  (a LambdaClient needs some credentials: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${session.lambda.region})`);
  return lines.join('\n');
}

/** Resolves once SIGINT or SIGTERM arrived and the emulators stopped. */
function untilSignal(session: DevSession): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      progress(`${signal}: stopping the emulators`);
      session.stop().then(resolve, resolve);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

/** Registers `spillway dev` on `program`. */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('Bundle a task module and serve the bundle on 127.0.0.1: Functions Framework, and serverless-offline when installed; Ctrl-C stops both')
    .option('--tasks <module>', 'path of the task module (.js, .mjs or .ts)', 'tasks.ts')
    .option('--out <dir>', 'output folder of the bundle', '.spillway')
    .option('--no-lambda', 'do not start the Lambda emulator')
    .option('--json', 'once ready, print the URLs, the bundle hash and the variables as one JSON object on one line')
    .action(async (options: DevCommandOptions) => {
      await loadEsbuild('spillway dev');
      const { startDev } = await import('../dev.js');
      const session = await startDev({ tasks: options.tasks, outDir: options.out, lambda: options.lambda ? 'auto' : false, onStep: progress });
      // Listen before announcing readiness: a supervisor may signal the moment it reads the announcement.
      const stopped = untilSignal(session);
      if (options.json) result(JSON.stringify(sessionJson(session)));
      else result(sessionText(session));
      progress('Ctrl-C stops the emulators.');
      await stopped;
    });
}
