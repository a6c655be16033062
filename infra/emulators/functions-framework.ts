/**
 * The real Google Cloud Functions Framework server
 * (`functions-framework --target --source --port`, the same CLI Cloud
 * Functions runs) as a child process on 127.0.0.1, serving an entry module
 * (a bundle's gcf/index.mjs, or any module that registers an HTTP function),
 * stopped by pid. Public as `startFunctionsFramework` of `spillway/dev`;
 * `startDev` (infra/dev.ts) serves a bundle with it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BUNDLE_HASH_ENV } from '../../src/contract/platform.js';
import { MissingPeerError } from '../../src/errors.js';
import { freePort, LOOPBACK_HOST, portAnswers } from './free-port.js';
import { LOOPBACK_PRELOAD } from './loopback-preload.js';

/** The npm name of the framework. */
const FRAMEWORK_PACKAGE = '@google-cloud/functions-framework';

/** Options of {@link startFunctionsFramework}. */
export interface FunctionsFrameworkOptions {
  /**
   * Path of the entry module the framework loads (its `--source`): a bundle's
   * `gcf/index.mjs`, or a module that calls `registerCloudFunction` of
   * `spillway/gcp-functions/handler`.
   */
  source: string;
  /**
   * Name of the registered function (the framework's `--target`).
   * @default 'spillway'
   */
  target?: string;
  /** Signing secret of the handler (passed as SPILLWAY_SIGNING_SECRET). */
  signingSecret?: string;
  /** More environment variables of the child (SPILLWAY_BUNDLE_HASH, SPILLWAY_SIGNING_SECRET and NODE_OPTIONS of this process are not passed on). */
  env?: Record<string, string>;
  /**
   * Port to listen on.
   * @default a free port
   */
  port?: number;
  /**
   * How long to wait for the port to answer (start-up, not a test assertion).
   * @default 20_000
   */
  startTimeoutMs?: number;
}

/** A running Functions Framework server. */
export interface FunctionsFrameworkServer {
  /** `http://127.0.0.1:<port>/`: what `cloudFunctions({ url })` takes. */
  url: string;
  /** The port on 127.0.0.1. */
  port: number;
  /** Process id of the framework's child process. */
  pid: number;
  /** Everything the child printed so far. */
  output(): string;
  /** Stops the child by pid (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** The framework's package folder and CLI (build/src/main.js; its package exports no package.json to resolve from). */
function locateFramework(): { main: string; root: string } {
  let index: string;
  try {
    index = require.resolve(FRAMEWORK_PACKAGE);
  } catch (error) {
    const installCommand = `npm install --save-dev ${FRAMEWORK_PACKAGE}`;
    throw new MissingPeerError(
      `Serving Cloud Functions locally (spillway dev, startFunctionsFramework) needs ${FRAMEWORK_PACKAGE}, an optional peer dependency of spillway that is not installed: ${installCommand}`,
      { peer: FRAMEWORK_PACKAGE, installCommand, cause: error },
    );
  }
  const main = join(dirname(index), 'main.js');
  let root = dirname(index);
  while (
    !existsSync(join(root, 'package.json')) ||
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: string }).name !== FRAMEWORK_PACKAGE
  ) {
    const parent = dirname(root);
    if (parent === root) throw new Error(`Cannot find the package folder of ${FRAMEWORK_PACKAGE} above ${index}`);
    root = parent;
  }
  return { main, root };
}

/**
 * Makes `@google-cloud/functions-framework` resolve, from the entry's folder,
 * to the copy that runs the server (the function registers itself in that
 * copy's registry). A bundle folder outside any node_modules tree (a temp
 * folder) gets a `node_modules` symlink, as the platform's `npm install` of
 * the bundle's package.json would provide the package.
 */
function linkFramework(source: string, frameworkRoot: string): void {
  const sourceDir = dirname(source);
  try {
    const resolved = createRequire(source).resolve(FRAMEWORK_PACKAGE);
    if (realpathSync(resolved).startsWith(realpathSync(frameworkRoot))) return;
  } catch {
    // Not resolvable from the entry: link it below.
  }
  const scope = join(sourceDir, 'node_modules', '@google-cloud');
  mkdirSync(scope, { recursive: true });
  const link = join(scope, 'functions-framework');
  if (!existsSync(link)) symlinkSync(frameworkRoot, link, 'dir');
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts the framework serving `options.source` and resolves once its port accepts connections. */
export async function startFunctionsFramework(options: FunctionsFrameworkOptions): Promise<FunctionsFrameworkServer> {
  if (!existsSync(options.source)) {
    throw new Error(
      `The Functions Framework entry \`source\` does not exist: ${options.source}. Run \`spillway bundle\` first, or pass the path of gcf/index.mjs`,
    );
  }
  const framework = locateFramework();
  linkFramework(options.source, framework.root);
  const port = options.port ?? (await freePort());
  const target = options.target ?? 'spillway';
  const env: NodeJS.ProcessEnv = { ...process.env, SPILLWAY_FUNCTION_NAME: target };
  delete env.NODE_OPTIONS;
  delete env.SPILLWAY_SIGNING_SECRET;
  delete env[BUNDLE_HASH_ENV];
  Object.assign(env, options.env);
  if (options.signingSecret !== undefined) env.SPILLWAY_SIGNING_SECRET = options.signingSecret;
  const child = spawn(process.execPath, ['--import', LOOPBACK_PRELOAD, framework.main, `--target=${target}`, `--source=${options.source}`, `--port=${port}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  if (child.pid === undefined) throw new Error(`Could not start the Functions Framework (${framework.main})`);
  const pid: number = child.pid;
  // If this process ends before stop() (a crash, a killed run), take the server with it.
  const killOnExit = (): void => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  async function stop(): Promise<void> {
    process.removeListener('exit', killOnExit);
    if (exited(child)) return;
    const exit = once(child, 'exit');
    process.kill(pid);
    const killer = setTimeout(() => {
      if (!exited(child)) process.kill(pid, 'SIGKILL');
    }, 5_000);
    await exit;
    clearTimeout(killer);
  }

  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  while (!(await portAnswers(port))) {
    if (exited(child) || Date.now() > deadline) {
      await stop();
      throw new Error(`The Functions Framework did not start on ${LOOPBACK_HOST}:${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://${LOOPBACK_HOST}:${port}/`, port, pid, output: () => output, stop };
}
