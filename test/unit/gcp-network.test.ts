// A function URL nobody listens on: the connection is refused on 127.0.0.1.
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { BackendError } from '../../src/index.js';
import { envelopeOf } from '../support/envelopes.js';
import { rejectionOf } from '../support/helpers.js';

/** A loopback port that was just released, so nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('cloudFunctions without a server', () => {
  it('maps a refused connection to a retryable ERR_BACKEND_UNREACHABLE naming the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/spillway?key=secret`;
    const error = await rejectionOf(cloudFunctions({ url, auth: 'none' }).invoke(envelopeOf('echo', 1)));
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_UNREACHABLE', retryable: true, backend: 'gcf', taskName: 'echo' });
    expect((error as Error).message).toMatch(/Cannot reach the gcf backend at http:\/\/127\.0\.0\.1:\d+\/spillway: .*\(ECONNREFUSED\)\. Check `url`/);
    expect((error as Error).message).not.toMatch(/secret/);
  });
});
