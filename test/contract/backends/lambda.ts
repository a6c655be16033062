/**
 * The Lambda backend for the shared backend contract suite: a real local
 * Lambda (serverless-offline) serving the given JavaScript task module
 * through createLambdaHandler of the built package, and `lambda()` pointed
 * at it.
 */
import { lambda } from '../../../adapters/aws-lambda/index.js';
import type { Backend } from '../../../src/index.js';
import { startServerlessOffline } from '../../support/serverless-offline.js';

/** The handler module the emulator loads; SPILLWAY_TASKS_URL picks the task module. */
export const LAMBDA_ENTRY = new URL('../../fixtures/lambda-entry.mjs', import.meta.url);

/** A started backend; `endpoint` is the emulator's Lambda API, for tests of the factory itself. */
export interface StartedLambdaBackend {
  backend: Backend;
  /** Destroys the backend and stops the emulator's whole process group. */
  stop(): Promise<void>;
  /** `http://127.0.0.1:<lambdaPort>`. */
  endpoint: string;
}

/** Starts the emulator for a task module and returns a `lambda()` backend on it. */
export const lambdaBackendFactory = {
  name: 'lambda',
  async start(tasksUrl: URL): Promise<StartedLambdaBackend> {
    const emulator = await startServerlessOffline({
      functions: { tasks: { entry: LAMBDA_ENTRY, environment: { SPILLWAY_TASKS_URL: tasksUrl.href } } },
    });
    const client = emulator.createClient();
    const backend = lambda({ functionName: emulator.functionName('tasks'), client });
    return {
      backend,
      endpoint: emulator.endpoint,
      async stop() {
        await backend.destroy();
        client.destroy();
        await emulator.stop();
      },
    };
  },
};
