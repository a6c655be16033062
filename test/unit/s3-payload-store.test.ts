// s3PayloadStore().putChunks sends a frame's chunks as a stream only when the
// client adds no SDK checksum (a stream would then go out aws-chunked, which
// not every S3-compatible server decodes); otherwise it joins them first.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { s3PayloadStore } from '../../adapters/aws-lambda/payload-store.js';

function fakeClient(requestChecksumCalculation: string) {
  const inputs: { Body?: unknown; ContentLength?: number }[] = [];
  return {
    inputs,
    config: { requestChecksumCalculation: async () => requestChecksumCalculation },
    async send(command: { input: { Body?: unknown; ContentLength?: number } }) {
      inputs.push(command.input);
      return {};
    },
  };
}

const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array(5).fill(7)];

describe('s3PayloadStore putChunks', () => {
  it('streams the chunks with their length when the client sends no checksums', async () => {
    const client = fakeClient('WHEN_REQUIRED');
    await s3PayloadStore({ bucket: 'payloads', client }).putChunks?.('k', chunks, 8);
    const [{ Body, ContentLength }] = client.inputs;
    expect(Body).toBeInstanceOf(Readable);
    expect(ContentLength).toBe(8);
    expect(Buffer.concat(await (Body as Readable).toArray())).toEqual(Buffer.from([1, 2, 3, 7, 7, 7, 7, 7]));
  });

  it('joins the chunks when the client adds SDK checksums', async () => {
    const client = fakeClient('WHEN_SUPPORTED');
    await s3PayloadStore({ bucket: 'payloads', client }).putChunks?.('k', chunks, 8);
    expect(client.inputs[0].Body).toEqual(Buffer.from([1, 2, 3, 7, 7, 7, 7, 7]));
  });
});
