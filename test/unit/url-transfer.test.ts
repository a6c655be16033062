// The function side's transfers by URL (node:http), against a real server on
// 127.0.0.1 that answers as a storage service might: a redirect, a body
// without Content-Length, an expired URL, an upload of a frame's chunks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadPayload, uploadPayload } from '../../src/backends/url-transfer.js';
import { encodeFrame, frameChunks } from '../../src/contract/binary-frame.js';

const parts = [Uint8Array.from({ length: 70_000 }, (_, index) => index % 253), new Uint8Array(5).fill(9)];
const frame = Buffer.from(encodeFrame('["x"]', parts));
const uploads: Buffer[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path === '/moved') return res.writeHead(307, { location: '/frame' }).end();
      if (path === '/frame') return res.writeHead(200, { 'content-length': frame.byteLength }).end(frame);
      // No Content-Length: Node sends the body chunked.
      if (path === '/chunked') return res.writeHead(200).end('["some codec text"]');
      if (path === '/expired') return res.writeHead(403).end('<Error><Message>Request has expired</Message></Error>');
      uploads.push(Buffer.concat(chunks));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const subject = { what: 'input', taskName: 'echo' };

describe('payload transfers by URL', () => {
  it('follows a redirect and reads a frame into its parts', async () => {
    const { text, views } = await downloadPayload(`${base}/moved?X-Amz-Signature=abc`, subject);
    expect(text).toBe('["x"]');
    expect(views).toEqual(parts);
  });

  it('reads a body sent without Content-Length', async () => {
    expect(await downloadPayload(`${base}/chunked`, subject)).toEqual({ text: '["some codec text"]' });
  });

  it('answers an expired URL with ERR_PAYLOAD_URL_EXPIRED, without the signature in the message', async () => {
    const refusal = downloadPayload(`${base}/expired?X-Amz-Signature=secret`, subject);
    await expect(refusal).rejects.toMatchObject({ code: 'ERR_PAYLOAD_URL_EXPIRED', status: 403 });
    await expect(refusal).rejects.not.toThrow(/secret/);
  });

  it('uploads a frame as its chunks, byte for byte what encodeFrame builds', async () => {
    await uploadPayload(`${base}/put`, { ...frameChunks('["x"]', parts), contentType: 'application/octet-stream' }, subject);
    expect(uploads.at(-1)?.equals(frame)).toBe(true);
  });
});
