/**
 * `startDev()`: bundles a task module (infra/bundle.ts), then serves the
 * bundle on 127.0.0.1 with the real emulators: the Functions Framework
 * (gcf/index.mjs) and, when serverless and serverless-offline are installed,
 * the Lambda Invoke API (lambda/index.mjs). What runs locally is the artifact
 * that would be deployed, not the sources. `spillway dev` and the
 * `spillway/dev` entry point both call it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { ValidationError } from '../src/errors.js';
import { describeZodError } from '../src/zod-issues.js';
import { bundleTaskModule } from './bundle.js';
import { type FunctionsFrameworkServer, startFunctionsFramework } from './emulators/functions-framework.js';
import { type EmulatorClientConfig, type ServerlessOffline, startServerlessOffline } from './emulators/serverless-offline.js';

/** Options of {@link startDev}. */
export interface DevOptions {
  /** The task module: a path (relative to the working directory) or a `file:` URL; `.js`, `.mjs` or `.ts`. */
  tasks: string | URL;
  /**
   * Folder the bundle is written to (its `lambda/`, `gcf/`, zips and manifest are replaced).
   * @default a new temporary folder, deleted by `stop()`
   */
  outDir?: string;
  /**
   * Start the Lambda emulator: `true` requires it (startDev rejects when serverless-offline is
   * not installed), `false` skips it, `'auto'` starts it when serverless and serverless-offline are installed.
   * @default 'auto'
   */
  lambda?: boolean | 'auto';
  /** Signing secret of the Cloud Function (its SPILLWAY_SIGNING_SECRET); requests are not signed when absent. */
  signingSecret?: string;
  /** Called with one progress line per step (bundling, each emulator starting). */
  onStep?: (message: string) => void;
}

/** The Lambda emulator of a dev session: what `lambda({ functionName, client })` of `spillway/aws-lambda` needs. */
export interface DevLambda {
  /** The function name to invoke, `spillway-dev-tasks`. */
  functionName: string;
  /** `http://127.0.0.1:<port>`: the emulator's Invoke API. */
  endpoint: string;
  /** The region the emulator reports, `us-east-1`. */
  region: string;
  /** A ready `LambdaClient` configuration (endpoint, region, fake credentials, `maxAttempts: 1`): `new LambdaClient(clientConfig)`. */
  clientConfig: EmulatorClientConfig;
}

/** A running dev session, returned by {@link startDev}. */
export interface DevSession {
  /** `http://127.0.0.1:<port>/`: the Functions Framework serving the gcf bundle; what `cloudFunctions({ url, auth: 'none' })` takes. */
  gcfUrl: string;
  /** The Lambda emulator; absent when `lambda` was `false`, or `'auto'` and serverless-offline is not installed. */
  lambda?: DevLambda;
  /** The bundle's content hash (`hashTaskModule` of the task module): the hash the caller's envelopes must carry. */
  bundleHash: string;
  /** Names of the tasks the module exports, sorted. */
  taskNames: string[];
  /** Absolute folder of the bundle. */
  outDir: string;
  /** Environment variables naming the endpoints: SPILLWAY_GCF_URL, and SPILLWAY_LAMBDA_ENDPOINT and SPILLWAY_LAMBDA_FUNCTION with a Lambda emulator. */
  env: Record<string, string>;
  /** Stops both emulators (each by its pid or process group) and deletes a temporary `outDir`; safe to call twice. */
  stop(): Promise<void>;
}

/** The function key in the emulated service (service `spillway`, stage `dev`): the function is `spillway-dev-tasks`. */
const LAMBDA_KEY = 'tasks';

const devOptionsSchema = z.strictObject({
  tasks: z.union([z.string().min(1), z.instanceof(URL)]),
  outDir: z.string().min(1).optional(),
  lambda: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  signingSecret: z.string().min(1).optional(),
  onStep: z.custom<(message: string) => void>((value) => typeof value === 'function', 'a function').optional(),
});

function parseDevOptions(options: DevOptions): z.output<typeof devOptionsSchema> {
  const parsed = devOptionsSchema.safeParse(options, { reportInput: true });
  if (!parsed.success) throw new ValidationError(describeZodError('', parsed.error));
  return parsed.data;
}

/** Starts serverless-offline on the Lambda bundle; `undefined` when `mode` is `'auto'` and it is not installed. */
async function startLambdaEmulator(entry: string, mode: true | 'auto', step: (message: string) => void): Promise<ServerlessOffline | undefined> {
  step('start    serverless-offline (lambda/index.mjs)');
  try {
    return await startServerlessOffline({ service: 'spillway', stage: 'dev', functions: { [LAMBDA_KEY]: { entry: pathToFileURL(entry) } } });
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    if (mode === 'auto' && message.includes('not installed')) {
      step(`skip     Lambda emulator: ${message}`);
      return undefined;
    }
    throw error;
  }
}

function describeLambda(emulator: ServerlessOffline): DevLambda {
  return { functionName: emulator.functionName(LAMBDA_KEY), endpoint: emulator.endpoint, region: emulator.region, clientConfig: emulator.clientConfig };
}

/**
 * Bundles `options.tasks` as `spillway bundle` does and serves the bundle on
 * 127.0.0.1: the Functions Framework always, serverless-offline as
 * `options.lambda` says. Resolves once every started emulator accepts
 * connections; call `stop()` when done (a process that exits without it
 * still kills the emulators).
 *
 * @throws ValidationError when an option is invalid; BundleError when the module cannot be bundled;
 *   an Error when an emulator is missing (the Functions Framework, or serverless-offline with `lambda: true`) or does not start.
 */
export async function startDev(options: DevOptions): Promise<DevSession> {
  const { tasks, outDir: givenOutDir, lambda: lambdaMode, signingSecret, onStep } = parseDevOptions(options);
  const step = onStep ?? (() => undefined);
  const outDir = givenOutDir ?? mkdtempSync(join(tmpdir(), 'spillway-dev-'));
  const removeOutDir = (): void => {
    if (givenOutDir === undefined) rmSync(outDir, { recursive: true, force: true });
  };
  let gcf: FunctionsFrameworkServer | undefined;
  let emulator: ServerlessOffline | undefined;
  try {
    const bundle = await bundleTaskModule({ tasks, outDir, onStep: step });
    step('start    Functions Framework (gcf/index.mjs)');
    gcf = await startFunctionsFramework({ source: bundle.entries.gcf, ...(signingSecret === undefined ? {} : { signingSecret }) });
    if (lambdaMode !== false) emulator = await startLambdaEmulator(bundle.entries.lambda, lambdaMode, step);
    const lambda = emulator === undefined ? undefined : describeLambda(emulator);
    const env: Record<string, string> = { SPILLWAY_GCF_URL: gcf.url };
    if (lambda !== undefined) Object.assign(env, { SPILLWAY_LAMBDA_ENDPOINT: lambda.endpoint, SPILLWAY_LAMBDA_FUNCTION: lambda.functionName });
    const servers = { gcf, emulator };
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= Promise.allSettled([servers.gcf.stop(), servers.emulator?.stop()]).then(removeOutDir);
      return stopping;
    };
    return {
      gcfUrl: gcf.url,
      ...(lambda === undefined ? {} : { lambda }),
      bundleHash: bundle.manifest.bundleHash,
      taskNames: [...bundle.manifest.tasks],
      outDir: bundle.outDir,
      env,
      stop,
    };
  } catch (error) {
    await Promise.allSettled([gcf?.stop(), emulator?.stop()]);
    removeOutDir();
    throw error;
  }
}
