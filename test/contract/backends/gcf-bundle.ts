/**
 * The deployed artifact under the contract suite, Cloud Functions side:
 * `bundleTaskModule` (what `spillway bundle` runs) builds the task module
 * into a temporary folder, and the real Functions Framework serves the
 * bundle's gcf/index.mjs on 127.0.0.1. The bundle carries the module's hash
 * as a literal, so a caller with another build of the module gets
 * StaleBundleError.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloudFunctions } from '../../../adapters/gcp-functions/index.js';
import { bundleTaskModule } from '../../../infra/bundle.js';
import { startFunctionsFramework } from '../../../infra/emulators/functions-framework.js';
import type { BackendFactory, StartedBackend } from '../backend-factory.js';

/** Bundles `tasksUrl` and serves the gcf bundle with signed requests; the backend is named `gcf-bundle`. */
export const gcfBundleBackendFactory: BackendFactory = {
  name: 'gcf-bundle',
  async start(tasksUrl: URL): Promise<StartedBackend> {
    const outDir = mkdtempSync(join(tmpdir(), 'spillway-gcf-bundle-'));
    try {
      const { entries } = await bundleTaskModule({ tasks: tasksUrl, outDir });
      const signingSecret = randomBytes(32).toString('hex');
      const server = await startFunctionsFramework({ source: entries.gcf, signingSecret });
      const backend = cloudFunctions({ name: 'gcf-bundle', url: server.url, auth: 'none', signingSecret });
      return {
        backend,
        async stop() {
          try {
            await backend.destroy();
          } finally {
            await server.stop();
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
