// A task's own odd throw is a TaskError (kind 'task', never retried as an
// infrastructure fault) on the local pool and in both cloud handlers: the
// runtime's error encoder never throws (issue 13, break 3).
import type { Server } from 'node:http';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaHandler } from '../../adapters/aws-lambda/handler.js';
import { createCloudFunctionHandler } from '../../adapters/gcp-functions/handler.js';
import { ENVELOPE_VERSION, type ResultEnvelope, serialize, type TaskEnvelope } from '../../src/contract/index.js';
import { TaskError } from '../../src/index.js';
import { throwOdd } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();
const kinds = ['null-prototype', 'name-getter-throws', 'null-prototype-code', 'enumerable-getter-throws'];
const remoteTasks = { throwOdd };

function envelope(kind: string): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: `odd-${kind}`, task: 'throwOdd', bundleHash: 'odd', attempt: 1, input: serialize(kind, 'input') };
}

function expectTaskFailure(result: ResultEnvelope): void {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.kind).toBe('task');
}

describe('odd thrown values', () => {
  let server: Server;
  let url: string;
  const lambda = createLambdaHandler(remoteTasks, { bundleHash: 'odd' });

  beforeAll(async () => {
    http('spillwayOddThrows', createCloudFunctionHandler(remoteTasks, { bundleHash: 'odd' }));
    server = getTestServer('spillwayOddThrows');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  for (const kind of kinds) {
    it(`${kind}: a TaskError on the local pool, tried once, and a task failure from both handlers`, async () => {
      const offloader = create({ maxWorkers: 1 });
      const error = (await rejectionOf(offloader.run(throwOdd, kind))) as TaskError;
      expect(error).toBeInstanceOf(TaskError);
      expect(error.backend).toBe('local');
      expect(error.attempts).toBe(1);
      expect(offloader.stats().local.workerFaults).toBe(0);

      expectTaskFailure(await lambda(envelope(kind)));
      const response = await fetch(url, {
        method: 'POST',
        body: JSON.stringify(envelope(kind)),
        headers: { 'content-type': 'application/vnd.spillway.envelope+json' },
      });
      expect(response.status).toBe(200);
      expectTaskFailure((await response.json()) as ResultEnvelope);
    });
  }
});
