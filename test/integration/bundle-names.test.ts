// The bundles keep class and function names (esbuild keepNames): an error
// whose name comes from its class arrives from the bundled Lambda and Cloud
// Functions entries with that name (issue 13, break 6). Served by
// `startDev`, which bundles the module and runs both emulators on 127.0.0.1.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { lambda } from '../../adapters/aws-lambda/index.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { startDev } from '../../infra/dev-entry.js';
import { createOffloader, TaskError } from '../../src/index.js';
import { overQuota } from '../fixtures/named-tasks.mjs';
import { rejectionOf } from '../support/helpers.js';

const tasksUrl = new URL('../fixtures/named-tasks.mjs', import.meta.url);

describe('bundled entries keep names', () => {
  it('a task error named by its class arrives as QuotaError from both bundles', async () => {
    const session = await startDev({ tasks: tasksUrl, lambda: true });
    const client = session.lambda === undefined ? undefined : new LambdaClient(session.lambda.clientConfig);
    try {
      if (client === undefined || session.lambda === undefined) throw new Error('startDev({ lambda: true }) returned no Lambda emulator');
      const offloader = createOffloader({
        tasks: tasksUrl,
        local: { maxWorkers: 1 },
        remotes: [cloudFunctions({ url: session.gcfUrl, auth: 'none' }), lambda({ functionName: session.lambda.functionName, client })],
      });
      try {
        for (const placement of ['local', 'gcf', 'lambda']) {
          const error = (await rejectionOf(offloader.run(overQuota, 3, { placement }))) as TaskError;
          expect(error).toBeInstanceOf(TaskError);
          expect(error.backend).toBe(placement);
          expect(error.name).toBe('QuotaError');
          expect(error.message).toBe('quota of 3 exceeded');
        }
      } finally {
        await offloader.destroy();
      }
    } finally {
      client?.destroy();
      await session.stop();
    }
  });
});
