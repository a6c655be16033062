/**
 * The deployed artifact under the contract suite, Lambda side:
 * `bundleTaskModule` (what `spillway bundle` runs) builds the task module
 * into a temporary folder, and serverless-offline serves the bundle's
 * lambda/index.mjs through its Invoke API on 127.0.0.1. The bundle carries
 * the module's hash as a literal, so a caller with another build of the
 * module gets StaleBundleError.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lambda } from '../../../adapters/aws-lambda/index.js';
import { bundleTaskModule } from '../../../infra/bundle.js';
import { startServerlessOffline } from '../../../infra/emulators/serverless-offline.js';
import type { BackendFactory, StartedBackend } from '../backend-factory.js';

/** Bundles `tasksUrl` and serves the Lambda bundle; the backend is named `lambda-bundle`. */
export const lambdaBundleBackendFactory: BackendFactory = {
  name: 'lambda-bundle',
  async start(tasksUrl: URL): Promise<StartedBackend> {
    const outDir = mkdtempSync(join(tmpdir(), 'spillway-lambda-bundle-'));
    try {
      const { entries } = await bundleTaskModule({ tasks: tasksUrl, outDir });
      const emulator = await startServerlessOffline({ functions: { tasks: { entry: pathToFileURL(entries.lambda) } } });
      const client = emulator.createClient();
      const backend = lambda({ name: 'lambda-bundle', functionName: emulator.functionName('tasks'), client });
      return {
        backend,
        async stop() {
          try {
            await backend.destroy();
            client.destroy();
          } finally {
            await emulator.stop();
            rmSync(outDir, { recursive: true, force: true });
          }
        },
      };
    } catch (error) {
      rmSync(outDir, { recursive: true, force: true });
      throw error;
    }
  },
};
