/**
 * Starts the real Google Cloud Functions Framework server
 * (`functions-framework --target --source --port`, the same CLI Cloud
 * Functions runs) as a child process on 127.0.0.1, serving a task module
 * through test/fixtures/gcf-entry.mjs, and stops it by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options of {@link startFunctionsFramework}. */
export interface FunctionsFrameworkOptions {
  /**
   * The JavaScript task module to serve.
   * @default test/fixtures/gcf-tasks.mjs
   */
  tasksUrl?: URL;
  /** Signing secret of the handler (passed as SPILLWAY_SIGNING_SECRET). */
  signingSecret?: string;
  /**
   * Name of the registered function (the framework's --target).
   * @default 'spillway'
   */
  target?: string;
  /**
   * How long to wait for the port to answer.
   * @default 20_000
   */
  startTimeoutMs?: number;
}

/** A running Functions Framework server. */
export interface FunctionsFrameworkServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  pid: number;
  /** Everything the child printed so far. */
  output(): string;
  /** Stops the child by pid (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
/** The framework's CLI, build/src/main.js (its package exports no package.json to resolve from). */
const FRAMEWORK_MAIN = join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');
const ENTRY = fileURLToPath(new URL('../fixtures/gcf-entry.mjs', import.meta.url));
const LOOPBACK_PRELOAD = new URL('./listen-on-loopback.mjs', import.meta.url).href;

/** A port that was free on 127.0.0.1 a moment ago (listen on port 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('Expected a TCP address');
  return address.port;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts the framework and resolves once its port accepts connections. */
export async function startFunctionsFramework(options: FunctionsFrameworkOptions = {}): Promise<FunctionsFrameworkServer> {
  const port = await freePort();
  const target = options.target ?? 'spillway';
  const env: NodeJS.ProcessEnv = { ...process.env, SPILLWAY_FUNCTION_NAME: target };
  delete env.NODE_OPTIONS;
  delete env.SPILLWAY_SIGNING_SECRET;
  delete env.SPILLWAY_BUNDLE_HASH;
  if (options.tasksUrl !== undefined) env.SPILLWAY_TASKS_URL = options.tasksUrl.href;
  if (options.signingSecret !== undefined) env.SPILLWAY_SIGNING_SECRET = options.signingSecret;
  const child = spawn(process.execPath, ['--import', LOOPBACK_PRELOAD, FRAMEWORK_MAIN, `--target=${target}`, `--source=${ENTRY}`, `--port=${port}`], {
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
  if (child.pid === undefined) throw new Error(`Could not start the Functions Framework (${FRAMEWORK_MAIN})`);
  const pid: number = child.pid;
  // If this process ends before stop() (a crash, a killed test run), take the server with it.
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
      throw new Error(`The Functions Framework did not start on 127.0.0.1:${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}/`, port, pid, output: () => output, stop };
}
