/**
 * The Cloud Functions backend for the shared backend contract suite: the
 * real Functions Framework serving a JavaScript task module in a child
 * process on 127.0.0.1, and a `cloudFunctions()` client for it. Requests
 * are HMAC-signed with a fresh secret, so the suite covers signed traffic.
 */
import { randomBytes } from 'node:crypto';
import { cloudFunctions } from '../../../adapters/gcp-functions/index.js';
import type { Backend } from '../../../src/index.js';
import { GCF_TEST_ENTRY, startFunctionsFramework } from '../../support/functions-framework.js';

/** A started backend and the way to stop it (and its server). */
export interface StartedBackend {
  backend: Backend;
  stop(): Promise<void>;
}

/**
 * Starts the function serving `tasksUrl` (a JavaScript module, or a
 * TypeScript one when tsx is installed) and returns its backend.
 */
export const gcfBackendFactory = {
  name: 'gcf',
  async start(tasksUrl: URL): Promise<StartedBackend> {
    const signingSecret = randomBytes(32).toString('hex');
    const server = await startFunctionsFramework({ source: GCF_TEST_ENTRY, env: { SPILLWAY_TASKS_URL: tasksUrl.href }, signingSecret });
    const backend = cloudFunctions({ url: server.url, auth: 'none', signingSecret });
    return {
      backend,
      async stop() {
        try {
          await backend.destroy();
        } finally {
          await server.stop();
        }
      },
    };
  },
};
