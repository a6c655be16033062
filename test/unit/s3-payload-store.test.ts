// s3PayloadStore().putChunks sends a frame's chunks as a stream only when the
// client adds no SDK checksum (a stream would then go out aws-chunked, which
// not every S3-compatible server decodes); otherwise it joins them first.
// getChunks hands on the body's chunks with their length, or the whole body
// as one chunk when no length came.
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

/** A client whose GetObject answers `body` (chunks) with `contentLength`. */
function getClient(body: Uint8Array[], contentLength: number | undefined) {
  const stream = Object.assign(Readable.from(body), { transformToByteArray: async () => new Uint8Array(Buffer.concat(body)) });
  return { send: async () => ({ Body: stream, ContentLength: contentLength }) };
}

async function collect(chunks: AsyncIterable<Uint8Array> | undefined): Promise<Uint8Array[]> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks ?? []) all.push(new Uint8Array(chunk));
  return all;
}

describe('s3PayloadStore getChunks', () => {
  it("hands on the body's chunks as they come, with the object's length", async () => {
    const object = await s3PayloadStore({ bucket: 'payloads', client: getClient(chunks, 8) }).getChunks?.('k');
    expect(object?.sizeBytes).toBe(8);
    expect(await collect(object?.chunks)).toEqual(chunks);
  });

  it('reads the whole body as one chunk when no length came', async () => {
    const object = await s3PayloadStore({ bucket: 'payloads', client: getClient(chunks, undefined) }).getChunks?.('k');
    expect(object?.sizeBytes).toBe(8);
    expect(await collect(object?.chunks)).toEqual([new Uint8Array([1, 2, 3, 7, 7, 7, 7, 7])]);
  });
});
