/** `spillway dev`: bundles a task module and serves it with the local emulators (`startDev`, infra/dev.ts) until Ctrl-C or SIGTERM. */
import type { Command } from 'commander';
import { startDev } from '../dev.js';

/** Options of `spillway dev`, as commander parses them. */
interface DevCommandOptions {
  tasks: string;
  out: string;
  lambda: boolean;
}

/** Registers `spillway dev` on `program`. */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('Bundle a task module and serve the bundle on 127.0.0.1: Functions Framework, and serverless-offline when installed; Ctrl-C stops both')
    .option('--tasks <module>', 'path of the task module (.js, .mjs or .ts)', 'tasks.ts')
    .option('--out <dir>', 'output folder of the bundle', '.spillway')
    .option('--no-lambda', 'do not start the Lambda emulator')
    .action(async (options: DevCommandOptions) => {
      const session = await startDev({
        tasks: options.tasks,
        outDir: options.out,
        lambda: options.lambda ? 'auto' : false,
        onStep: (line) => console.log(line),
      });
      console.log(`\ngcf      ${session.gcfUrl} (entry point spillway)`);
      if (session.lambda !== undefined) console.log(`lambda   ${session.lambda.endpoint} (function ${session.lambda.functionName})`);
      console.log('\nPoint lambda() / cloudFunctions() at them with:');
      for (const [name, value] of Object.entries(session.env)) console.log(`  export ${name}=${value}`);
      if (session.lambda !== undefined)
        console.log(`  (a LambdaClient needs some credentials: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${session.lambda.region})`);
      console.log('\nCtrl-C stops the emulators.');
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.removeListener('SIGINT', onSignal);
          process.removeListener('SIGTERM', onSignal);
          console.log(`\n${signal}: stopping the emulators`);
          session.stop().then(resolve, resolve);
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });
}
