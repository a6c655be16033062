/**
 * `spillway dev`: bundle a task module, then serve the bundle on 127.0.0.1
 * with the real emulators: the Functions Framework (gcf/index.mjs) and, when
 * serverless and serverless-offline are installed, the Lambda Invoke API
 * (lambda/index.mjs). What runs locally is the artifact that would be
 * deployed, not the sources.
 */
import { pathToFileURL } from 'node:url';
import { type BundleManifest, bundleTaskModule } from './bundle.js';
import { type FunctionsFrameworkServer, startFunctionsFramework } from './emulators/functions-framework.js';
import { type ServerlessOffline, startServerlessOffline } from './emulators/serverless-offline.js';

/** Options of {@link startDev}. */
export interface DevOptions {
  /** The task module (path or `file:` URL). */
  tasks: string | URL;
  /**
   * Output folder of the bundle.
   * @default '.spillway'
   */
  outDir?: string;
  /**
   * Start the Lambda emulator: `true` requires it, `false` skips it, `'auto'` starts it when serverless-offline is installed.
   * @default 'auto'
   */
  lambda?: boolean | 'auto';
  /** Signing secret of the Cloud Function (passed as SPILLWAY_SIGNING_SECRET); unsigned when absent. */
  signingSecret?: string;
  /** Called with one line per step. */
  onStep?: (message: string) => void;
}

/** The Lambda emulator of a dev session. */
export interface DevLambda {
  /** `http://127.0.0.1:<port>`: the `endpoint` of a LambdaClient. */
  endpoint: string;
  /** The function name to invoke. */
  functionName: string;
  /** The emulator itself. */
  emulator: ServerlessOffline;
}

/** A running dev session. */
export interface DevSession {
  manifest: BundleManifest;
  /** The Functions Framework serving the gcf bundle; `url` is what `cloudFunctions({ url })` takes. */
  gcf: FunctionsFrameworkServer;
  /** The Lambda emulator, when started. */
  lambda?: DevLambda;
  /** Environment variables naming the endpoints, e.g. `SPILLWAY_GCF_URL`. */
  env: Record<string, string>;
  /** Stops every child (each by pid / process group); safe to call twice. */
  stop(): Promise<void>;
}

/** The function key in the emulated service; its name is `spillway-dev-tasks`. */
const LAMBDA_KEY = 'tasks';

/** Bundles `options.tasks` and starts the emulators on the bundle. */
export async function startDev(options: DevOptions): Promise<DevSession> {
  const step = options.onStep ?? (() => undefined);
  const { manifest, entries } = await bundleTaskModule({
    tasks: options.tasks,
    onStep: step,
    ...(options.outDir === undefined ? {} : { outDir: options.outDir }),
  });

  step('start    Functions Framework (gcf/index.mjs)');
  const gcf = await startFunctionsFramework({
    source: entries.gcf,
    ...(options.signingSecret === undefined ? {} : { signingSecret: options.signingSecret }),
  });
  const env: Record<string, string> = { SPILLWAY_GCF_URL: gcf.url };

  let lambda: DevLambda | undefined;
  const wantLambda = options.lambda ?? 'auto';
  if (wantLambda !== false) {
    step('start    serverless-offline (lambda/index.mjs)');
    try {
      const emulator = await startServerlessOffline({
        service: 'spillway',
        stage: 'dev',
        functions: { [LAMBDA_KEY]: { entry: pathToFileURL(entries.lambda) } },
      });
      lambda = { endpoint: emulator.endpoint, functionName: emulator.functionName(LAMBDA_KEY), emulator };
      env.SPILLWAY_LAMBDA_ENDPOINT = lambda.endpoint;
      env.SPILLWAY_LAMBDA_FUNCTION = lambda.functionName;
    } catch (error) {
      const message = (error as Error).message.split('\n')[0] ?? String(error);
      if (wantLambda === 'auto' && message.includes('not installed')) {
        step(`skip     Lambda emulator: ${message}`);
      } else {
        await gcf.stop();
        throw error;
      }
    }
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= Promise.allSettled([gcf.stop(), lambda?.emulator.stop()]).then(() => undefined);
    return stopping;
  };
  return { manifest, gcf, ...(lambda === undefined ? {} : { lambda }), env, stop };
}
