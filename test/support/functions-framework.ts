/**
 * The tests' view of the Functions Framework emulator (infra/emulators):
 * serves a task module through test/fixtures/gcf-entry.mjs, which imports
 * the module named by SPILLWAY_TASKS_URL.
 */
import { fileURLToPath } from 'node:url';
import { type FunctionsFrameworkServer, startFunctionsFramework as startServer } from '../../infra/emulators/functions-framework.js';

export { freePort } from '../../infra/emulators/free-port.js';
export type { FunctionsFrameworkServer } from '../../infra/emulators/functions-framework.js';

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

const ENTRY = fileURLToPath(new URL('../fixtures/gcf-entry.mjs', import.meta.url));

/** Starts the framework serving a task module through the test entry file. */
export function startFunctionsFramework(options: FunctionsFrameworkOptions = {}): Promise<FunctionsFrameworkServer> {
  return startServer({
    source: ENTRY,
    ...(options.target === undefined ? {} : { target: options.target }),
    ...(options.signingSecret === undefined ? {} : { signingSecret: options.signingSecret }),
    ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
    ...(options.tasksUrl === undefined ? {} : { env: { SPILLWAY_TASKS_URL: options.tasksUrl.href } }),
  });
}
