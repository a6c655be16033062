// The factory the shared backend contract suite uses: it must start a real
// emulator for the given task module and stop all of it again.
import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { deserialize, ENVELOPE_VERSION, hashTaskModule, serialize } from '../../src/contract/index.js';
import { lambdaBackendFactory } from '../contract/backends/lambda.js';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('lambdaBackendFactory', () => {
  it('serves the given task module on a lambda backend and stops the emulator', async () => {
    const tasksUrl = new URL('../fixtures/remote-tasks.mjs', import.meta.url);
    const { backend, stop, endpoint } = await lambdaBackendFactory.start(tasksUrl);
    const port = Number(new URL(endpoint).port);
    try {
      expect(await portOpen(port)).toBe(true);
      expect(backend.kind).toBe('lambda');
      expect(backend.name).toBe(lambdaBackendFactory.name);
      const result = await backend.invoke({
        version: ENVELOPE_VERSION,
        id: 'factory-1',
        task: 'echo',
        bundleHash: hashTaskModule(tasksUrl),
        attempt: 1,
        input: serialize(new Map([['k', 1n]]), 'input'),
      });
      expect(result.ok && deserialize(result.output)).toEqual(new Map([['k', 1n]]));
    } finally {
      await stop();
    }
    expect(await portOpen(port)).toBe(false);
  });
});
