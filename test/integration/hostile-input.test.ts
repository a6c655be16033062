// Hostile and pathological values (issue 13, breaks 1 and 4): decoding is
// bounded before it allocates, and values that cannot be walked are refused
// with a SerializationError naming the path, on the caller, in the runtime
// (the local workers run it) and in both cloud handlers.
import type { Server } from 'node:http';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createLambdaHandler } from '../../adapters/aws-lambda/handler.js';
import { createCloudFunctionHandler } from '../../adapters/gcp-functions/handler.js';
import { createRuntime, createTaskRegistry, ENVELOPE_VERSION, type ResultEnvelope, type TaskEnvelope } from '../../src/contract/index.js';
import { offloadable, SerializationError } from '../../src/index.js';
import { echo } from '../fixtures/tasks.js';
import { offloaders, rejectionOf } from '../support/helpers.js';

const create = offloaders();

/** devalue's flat form of `depth` arrays nested in each other, innermost holding 0. */
function nestedText(depth: number): string {
  const values: unknown[] = [];
  for (let index = 0; index < depth; index++) values.push([index + 1]);
  values.push(0);
  return JSON.stringify(values);
}

function nestedValue(depth: number): unknown {
  let value: unknown = 0;
  for (let index = 0; index < depth; index++) value = [value];
  return value;
}

const hostile: Array<[string, string, RegExp]> = [
  ['a sparse array of length 2^32-1', '[[-7,4294967295]]', /input/],
  ['100,000 levels of nesting', nestedText(100_000), /depth/],
];

const remoteTasks = {
  echo: offloadable('echo', (value: unknown) => value),
  anyArray: offloadable({ name: 'anyArray', input: z.array(z.any()) }, (value: unknown[]) => value.length),
};

function envelope(task: string, input: string): TaskEnvelope {
  return { version: ENVELOPE_VERSION, id: `hostile-${task}`, task, bundleHash: 'hostile', attempt: 1, input };
}

function expectBadEnvelope(result: ResultEnvelope, reason: RegExp): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.kind).toBe('bad-envelope');
  expect(result.error.code).toBe('ERR_BAD_ENVELOPE');
  expect(result.error.path).toMatch(/^input/);
  expect(result.error.message).toMatch(reason);
}

describe('bounded decoding on the caller', () => {
  it('refuses an array of length 2^32-1 at once with a SerializationError naming the path', async () => {
    const offloader = create();
    const huge: unknown[] = [];
    huge.length = 2 ** 32 - 1;
    const error = (await rejectionOf(offloader.run(echo, { list: huge }))) as SerializationError;
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.path).toBe('input.list');
    expect(error.message).toContain('4294967295');
  });

  it('refuses 100,000 levels of nesting with a SerializationError naming the path and the depth cap', async () => {
    const offloader = create();
    const error = (await rejectionOf(offloader.run(echo, nestedValue(100_000)))) as SerializationError;
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.code).toBe('ERR_SERIALIZATION');
    expect(error.path).toMatch(/^input(\[0\])+$/);
    expect(error.message).toMatch(/depth/);
    expect(error.message).toContain('1000');
  });

  it('still runs 500 levels of nesting', async () => {
    const offloader = create();
    await expect(offloader.run(echo, nestedValue(500))).resolves.toEqual(nestedValue(500));
  });

  it('refuses a value whose getter throws, naming the path', async () => {
    const offloader = create();
    const value = {
      inner: {
        get broken(): number {
          throw new Error('getter exploded');
        },
      },
    };
    const error = (await rejectionOf(offloader.run(echo, value))) as SerializationError;
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.path).toBe('input.inner.broken');
    expect(error.message).toContain('getter exploded');
  });

  it('refuses a Proxy whose ownKeys trap throws, naming the path', async () => {
    const offloader = create();
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('ownKeys exploded');
        },
      },
    );
    const error = (await rejectionOf(offloader.run(echo, { list: [1, trap] }))) as SerializationError;
    expect(error).toBeInstanceOf(SerializationError);
    expect(error.path).toBe('input.list[1]');
    expect(error.message).toContain('ownKeys exploded');
  });
});

describe('bounded decoding in the runtime (local workers) and both handlers', () => {
  const runtime = createRuntime(createTaskRegistry(remoteTasks), { bundleHash: 'hostile' });
  const lambda = createLambdaHandler(remoteTasks, { bundleHash: 'hostile' });
  let server: Server;
  let url: string;

  beforeAll(async () => {
    http('spillwayHostile', createCloudFunctionHandler(remoteTasks, { bundleHash: 'hostile' }));
    server = getTestServer('spillwayHostile');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  for (const [what, input, reason] of hostile) {
    for (const task of ['echo', 'anyArray']) {
      it(`answers ${what} (task ${task}) with ERR_BAD_ENVELOPE naming the path, and the handlers keep serving`, async () => {
        expectBadEnvelope(await runtime.execute(envelope(task, input)), reason);
        expectBadEnvelope(await lambda(envelope(task, input)), reason);
        const response = await fetch(url, {
          method: 'POST',
          body: JSON.stringify(envelope(task, input)),
          headers: { 'content-type': 'application/vnd.spillway.envelope+json' },
        });
        expect(response.status).toBe(400);
        const { error } = (await response.json()) as { error: { code: string; message: string; path: string } };
        expect(error.code).toBe('ERR_BAD_ENVELOPE');
        expect(error.path).toMatch(/^input/);
        expect(error.message).toMatch(reason);
        const alive = await runtime.execute(envelope('echo', '["still here"]'));
        expect(alive.ok).toBe(true);
      });
    }
  }
});
