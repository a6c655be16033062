// The Cloud Functions handler served without a body parser (an Express app,
// not the Functions Framework): it reads the body itself and applies
// maxBodyBytes before reading (Content-Length) and while reading (chunked),
// answering 413 without waiting for the rest of the body (issue 13, break 7).
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudFunctionHandler } from '../../adapters/gcp-functions/handler.js';
import { deserialize } from '../../src/contract/index.js';
import { echo } from '../fixtures/tasks.js';
import { envelopeOf } from '../support/envelopes.js';

const MAX_BODY_BYTES = 4_096;
let server: ReturnType<ReturnType<typeof express>['listen']>;
let port: number;

beforeAll(async () => {
  const app = express();
  app.post('/', createCloudFunctionHandler({ echo }, { bundleHash: 'test-bundle', maxBodyBytes: MAX_BODY_BYTES }));
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Sends `parts` of a body (not ending it unless `end`) and resolves with the status and JSON answer. */
async function post(
  headers: Record<string, string | number>,
  parts: string[],
  end: boolean,
): Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/json', ...headers } });
  req.on('error', () => {});
  for (const part of parts) req.write(part);
  if (end) req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  req.destroy();
  return { status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
}

describe('the Cloud Functions handler caps an unread body', () => {
  it('reads a body within the cap and runs the task', async () => {
    const text = JSON.stringify(envelopeOf('echo', 'hello'));
    const { status, body } = await post({ 'content-length': Buffer.byteLength(text) }, [text], true);
    expect(status).toBe(200);
    expect(body.ok).toBe(true);
    expect(deserialize(body.output as string)).toBe('hello');
  });

  it('refuses a Content-Length over the cap with 413 before reading the body', async () => {
    // Only 10 bytes of the declared 10 MB are ever sent: the answer cannot wait for the body.
    const { status, body } = await post({ 'content-length': 10 * 2 ** 20 }, ['{"version"'], false);
    expect(status).toBe(413);
    expect(body.error?.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(body.error?.message).toContain(`The request body is ${10 * 2 ** 20} bytes`);
    expect(body.error?.message).toContain('maxBodyBytes');
  });

  it('stops reading a chunked body at the first byte past the cap', async () => {
    // 3 x 2 KB sent, the request never ended: the handler answers once it has read past 4 KB.
    const { status, body } = await post({ 'transfer-encoding': 'chunked' }, ['x'.repeat(2_048), 'x'.repeat(2_048), 'x'.repeat(2_048)], false);
    expect(status).toBe(413);
    expect(body.error?.message).toMatch(/The request body is at least \d+ bytes, over this function's limit of 4096 bytes/);
  });
});
