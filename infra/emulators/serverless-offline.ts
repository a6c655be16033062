/**
 * A real local Lambda: serverless-offline 13 on Serverless Framework 3,
 * started as a child process group in a temporary service folder and bound to
 * 127.0.0.1. Its Lambda port serves the Invoke API
 * (`POST /2015-03-31/functions/{name}/invocations`), so a `LambdaClient`
 * with {@link ServerlessOffline.clientConfig} talks to it as to AWS.
 * Public as `startServerlessOffline` of `spillway/dev`; `startDev` (infra/dev.ts)
 * serves a bundle with it.
 *
 * Nothing here reaches the network: telemetry, notifications and update
 * checks are turned off, the AWS credentials are fake, the instance metadata
 * lookup is disabled, and the user's AWS config files are not read.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { isOffloadError } from '../../src/errors.js';
import { loadLambdaSdk } from '../peers.js';
import { portAnswers as canConnect, freePort, LOOPBACK_HOST as HOST } from './free-port.js';

/** The region the emulator reports and its functions see. */
const EMULATOR_REGION = 'us-east-1';

/** The Serverless Framework v3 CLI, when installed (with serverless-offline) next to spillway. */
function serverlessBin(): string {
  try {
    const require = createRequire(import.meta.url);
    require.resolve('serverless-offline');
    return require.resolve('serverless/bin/serverless.js');
  } catch (error) {
    throw new Error('serverless and serverless-offline are not installed: run `npm install --save-dev serverless@3 serverless-offline@13` to emulate Lambda', {
      cause: error,
    });
  }
}

/** One function of the emulated service. */
export interface EmulatedFunction {
  /** ES module that exports `handler`, e.g. a bundle's `lambda/index.mjs` or a module calling `createLambdaHandler` of `spillway/aws-lambda/handler`. */
  entry: URL;
  /** Environment variables of the function. */
  environment?: Record<string, string>;
  /**
   * The function's timeout in seconds, enforced by the emulator.
   * @default 30
   */
  timeoutSeconds?: number;
}

/** Options of {@link startServerlessOffline}. */
export interface ServerlessOfflineOptions {
  /** Functions by key; the deployed name is `<service>-<stage>-<key>`. */
  functions: Record<string, EmulatedFunction>;
  /** @default 'spillway-test' */
  service?: string;
  /** @default 'test' */
  stage?: string;
  /**
   * How long to wait for the Lambda port before giving up (start-up, not a test assertion).
   * @default 60_000
   */
  startTimeoutMs?: number;
  /**
   * Run the handlers in the emulator's own process (serverless-offline
   * `--useInProcess`) instead of one worker thread per concurrent
   * invocation: hundreds of concurrent invocations then cost one module load.
   * @default false
   */
  inProcess?: boolean;
  /**
   * Port of the Lambda Invoke API, e.g. the port of a stopped emulator to start it again at the same endpoint.
   * @default a free port
   */
  lambdaPort?: number;
}

/**
 * Settings of a `LambdaClient` (`@aws-sdk/client-lambda`) that talks to an
 * emulator: pass it as is, `new LambdaClient(clientConfig)`.
 */
export interface EmulatorClientConfig {
  /** `http://127.0.0.1:<lambdaPort>`. */
  endpoint: string;
  /** `us-east-1`. */
  region: string;
  /** Fake credentials (`test` / `test`): the emulator checks none, the SDK requires some. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** 1: a failed call is reported, not retried by the SDK (spillway retries by its own policy). */
  maxAttempts: number;
}

/** The {@link EmulatorClientConfig} of the emulator at `endpoint`. */
function emulatorClientConfig(endpoint: string): EmulatorClientConfig {
  return { endpoint, region: EMULATOR_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
}

/** A running emulator. */
export interface ServerlessOffline {
  /** Port of the Lambda Invoke API. */
  readonly lambdaPort: number;
  /** `http://127.0.0.1:<lambdaPort>`. */
  readonly endpoint: string;
  /** Process id of the Serverless CLI (leader of its process group). */
  readonly pid: number;
  /** The deployed name of a function key: `<service>-<stage>-<key>`. */
  functionName(key: string): string;
  /** `us-east-1`: the region of the emulated functions. */
  readonly region: string;
  /** Settings of a `LambdaClient` for this emulator: its endpoint, region, fake credentials, `maxAttempts: 1`. */
  readonly clientConfig: EmulatorClientConfig;
  /**
   * A new `LambdaClient` built from {@link ServerlessOffline.clientConfig}; the caller destroys it.
   * Throws `MissingPeerError` (`ERR_MISSING_PEER`) when `@aws-sdk/client-lambda` is not installed.
   */
  createClient(): LambdaClient;
  /** Everything the CLI printed so far (for failure messages). */
  output(): string;
  /** Stops the CLI's whole process group and removes the service folder. */
  stop(): Promise<void>;
}

function offlineEnvironment(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Keep PATH and the like, but none of the caller's AWS settings (they are copied into every function too).
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_TRACKING_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DISABLE_AUTO_UPDATE: '1',
    SLS_DEPRECATION_DISABLE: '*',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: EMULATOR_REGION,
    AWS_DEFAULT_REGION: EMULATOR_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Writes serverless.yml and one handler shim per function into `dir`. */
function writeService(dir: string, service: string, stage: string, functions: Record<string, EmulatedFunction>): void {
  const configured: Record<string, { handler: string; timeout: number; environment: Record<string, string> }> = {};
  for (const [key, fn] of Object.entries(functions)) {
    // Lambda handler paths are relative to the service folder, so each function gets a one-line shim there.
    writeFileSync(join(dir, `${key}.mjs`), `export { handler } from ${JSON.stringify(fn.entry.href)};\n`);
    configured[key] = { handler: `${key}.handler`, timeout: fn.timeoutSeconds ?? 30, environment: fn.environment ?? {} };
  }
  const config = {
    service,
    frameworkVersion: '3',
    provider: { name: 'aws', runtime: 'nodejs20.x', region: EMULATOR_REGION, stage },
    plugins: ['serverless-offline'],
    functions: configured,
  };
  // JSON is valid YAML.
  writeFileSync(join(dir, 'serverless.yml'), `${JSON.stringify(config, null, 2)}\n`);
}

/** The CLI's child process group: its output so far, and a stop that kills the group and removes the service folder. */
interface OfflineProcess {
  child: ChildProcess;
  output(): string;
  cleanUp(): Promise<void>;
}

/** Spawns `serverless offline start` (the CLI at `bin`) in `dir`, in its own process group, killed with this process if it exits first. */
function spawnOffline(bin: string, dir: string, lambdaPort: number, httpPort: number, inProcess: boolean): OfflineProcess {
  const args = [bin, 'offline', 'start', '--host', HOST, '--lambdaPort', String(lambdaPort), '--httpPort', String(httpPort)];
  if (inProcess) args.push('--useInProcess');
  const child = spawn(process.execPath, args, { cwd: dir, env: offlineEnvironment(dir), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A process that dies without stop() must not leave the emulator behind.
  const onExit = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', onExit);
  const cleanUp = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    killGroup(child, 'SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000).unref())]);
    if (!stopped) {
      killGroup(child, 'SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { child, output: () => chunks.join(''), cleanUp };
}

/** Resolves once `lambdaPort` accepts connections; stops the process and rejects if it exits first or `startTimeoutMs` passes. */
async function waitForLambdaPort(offline: OfflineProcess, lambdaPort: number, startTimeoutMs: number): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (offline.child.exitCode !== null || offline.child.signalCode !== null) {
      await offline.cleanUp();
      throw new Error(`serverless offline exited before its Lambda port opened:\n${offline.output()}`);
    }
    if (await canConnect(lambdaPort)) return;
    if (Date.now() > deadline) {
      await offline.cleanUp();
      throw new Error(`serverless offline did not open its Lambda port ${lambdaPort} in time:\n${offline.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Writes a temporary Serverless service (provider aws, nodejs20.x, plugin
 * serverless-offline) and starts
 * `node node_modules/serverless/bin/serverless.js offline start --host 127.0.0.1 --lambdaPort <free> --httpPort <free>`
 * in it, in its own process group. Resolves once the Lambda port accepts
 * connections.
 *
 * @throws Error when serverless or serverless-offline is not installed (the message says how to install them),
 *   or when the emulator exits or does not open its port within `startTimeoutMs` (the message carries its output).
 */
export async function startServerlessOffline(options: ServerlessOfflineOptions): Promise<ServerlessOffline> {
  const service = options.service ?? 'spillway-test';
  const stage = options.stage ?? 'test';
  const bin = serverlessBin();
  // The SDK is an optional peer: without it the emulator still runs, and only createClient() throws.
  const sdk = await loadLambdaSdk('createClient() of startServerlessOffline (spillway/dev)').catch((error: unknown) => {
    if (isOffloadError(error, 'ERR_MISSING_PEER')) return error;
    throw error;
  });
  const dir = mkdtempSync(join(tmpdir(), 'spillway-sls-'));
  writeService(dir, service, stage, options.functions);
  const lambdaPort = options.lambdaPort ?? (await freePort());
  const httpPort = await freePort();
  const offline = spawnOffline(bin, dir, lambdaPort, httpPort, options.inProcess ?? false);
  await waitForLambdaPort(offline, lambdaPort, options.startTimeoutMs ?? 60_000);

  const endpoint = `http://${HOST}:${lambdaPort}`;
  const clientConfig = emulatorClientConfig(endpoint);
  let stopping: Promise<void> | undefined;
  return {
    lambdaPort,
    endpoint,
    pid: offline.child.pid ?? -1,
    region: EMULATOR_REGION,
    clientConfig,
    functionName: (key) => `${service}-${stage}-${key}`,
    createClient: () => {
      if (sdk instanceof Error) throw sdk;
      return new sdk.LambdaClient({ ...clientConfig, credentials: { ...clientConfig.credentials } });
    },
    output: offline.output,
    stop: () => {
      stopping ??= offline.cleanUp();
      return stopping;
    },
  };
}
