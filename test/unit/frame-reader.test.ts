// FrameReader reads a payload object chunk by chunk, as the function side's
// download gets it, into a buffer per section: whatever the chunk sizes, it
// must give what decoding the whole object gives.
import { describe, expect, it } from 'vitest';
import { encodeFrame, frameChunks } from '../../src/contract/binary-frame.js';
import { decodeFrame, FrameReader } from '../../src/contract/frame-reader.js';

function readInChunks(object: Uint8Array, chunkBytes: number): { text: string; views?: Uint8Array[] } {
  const reader = new FrameReader(object.byteLength);
  for (let offset = 0; offset < object.byteLength; offset += chunkBytes) reader.write(object.subarray(offset, offset + chunkBytes));
  return reader.end();
}

const parts = [new Uint8Array(13).fill(7), new Uint8Array(0), Uint8Array.from({ length: 1000 }, (_, index) => index % 256)];
const text = '["Bin", ["é ünïcode", 1]]';

describe('FrameReader', () => {
  it.each([1, 3, 8, 13, 64, 4096])('reads a frame sent in chunks of %i bytes into one buffer of its own per part', (chunkBytes) => {
    const { text: read, views } = readInChunks(encodeFrame(text, parts), chunkBytes);
    expect(read).toBe(text);
    expect(views).toEqual(parts);
    for (const view of views ?? []) expect(view.buffer.byteLength).toBe(view.byteLength);
  });

  it('reads codec text (no frame) whole, also objects shorter than the magic', () => {
    const object = new TextEncoder().encode(`["${'x'.repeat(5000)}ü"]`);
    expect(readInChunks(object, 7)).toEqual({ text: `["${'x'.repeat(5000)}ü"]` });
    expect(readInChunks(new TextEncoder().encode('1'), 1)).toEqual({ text: '1' });
  });

  it('refuses a frame that ends early or runs past its announced size', () => {
    const frame = encodeFrame(text, parts);
    const short = new FrameReader(frame.byteLength);
    short.write(frame.subarray(0, frame.byteLength - 8));
    expect(() => short.end()).toThrow(/runs past its end/);
    expect(() => new FrameReader(frame.byteLength - 8).write(frame)).toThrow(/longer than the/);
    expect(() => decodeFrame(frame.subarray(0, 20))).toThrow(/runs past its end/);
    const shortText = new FrameReader(10);
    shortText.write(new TextEncoder().encode('["abc"]'));
    expect(() => shortText.end()).toThrow(/ended after 7 of its 10 bytes/);
  });

  it('frameChunks sends the parts as they are, and adds up to the frame encodeFrame builds', () => {
    const { chunks, sizeBytes } = frameChunks(text, parts);
    expect(chunks).toContain(parts[2]);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(encodeFrame(text, parts)));
    expect(sizeBytes).toBe(encodeFrame(text, parts).byteLength);
  });
});
