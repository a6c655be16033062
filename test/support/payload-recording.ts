// Helpers of the payload-store tests (test/integration/payload-store*.test.ts):
// a store that records what the caller put and got, and a binary value mixing
// every binary kind.
import { expect } from 'vitest';
import type { PayloadStore } from '../../src/contract/index.js';

const MB = 1024 * 1024;

/** What a {@link recording} store saw. */
interface Recorded {
  /** Sizes (or `'text'`) of every object the caller put. */
  puts: (string | number)[];
  /** Sizes of those that went through `putChunks`. */
  chunkedPuts: number[];
  /** Sizes of every object the caller got. */
  gets: number[];
  /** Sizes of those that went through `getChunks`. */
  chunkedGets: number[];
  /** How many chunks each `getChunks` object arrived in, once read. */
  chunksPerGet: number[];
}

/** `store`, recording the size and form of every object the caller put or got. */
export function recording(inner: PayloadStore): PayloadStore & Recorded {
  const puts: (string | number)[] = [];
  const chunkedPuts: number[] = [];
  const gets: number[] = [];
  const chunkedGets: number[] = [];
  const chunksPerGet: number[] = [];
  /** `chunks`, counted into `chunksPerGet` as they are read. */
  async function* counted(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const index = chunksPerGet.push(0) - 1;
    for await (const chunk of chunks) {
      chunksPerGet[index] += 1;
      yield chunk;
    }
  }
  return {
    ...inner,
    chunksPerGet,
    puts,
    chunkedPuts,
    gets,
    chunkedGets,
    async put(key, body, signal) {
      puts.push(typeof body === 'string' ? 'text' : body.byteLength);
      await inner.put(key, body, signal);
    },
    ...(inner.putChunks === undefined
      ? {}
      : {
          async putChunks(key: string, chunks: readonly Uint8Array[], sizeBytes: number, signal?: AbortSignal) {
            puts.push(sizeBytes);
            chunkedPuts.push(sizeBytes);
            await inner.putChunks?.(key, chunks, sizeBytes, signal);
          },
        }),
    async get(key, signal) {
      const bytes = await inner.get(key, signal);
      gets.push(bytes.byteLength);
      return bytes;
    },
    ...(inner.getChunks === undefined
      ? {}
      : {
          async getChunks(key: string, signal?: AbortSignal) {
            const object = await (inner.getChunks as NonNullable<PayloadStore['getChunks']>)(key, signal);
            gets.push(object.sizeBytes);
            chunkedGets.push(object.sizeBytes);
            return { sizeBytes: object.sizeBytes, chunks: counted(object.chunks) };
          },
        }),
  };
}

/** A value of `megabytes` MB mixing every binary kind, views with offsets among them. */
export function binaryValue(megabytes: number) {
  const bytes = new Uint8Array(megabytes * MB);
  for (let index = 0; index < bytes.length; index += 4093) bytes[index] = index % 251;
  const floats = new Float64Array([1.5, -0, Number.NaN, 2 ** 60]);
  return { bytes, view: bytes.subarray(3, 1003), floats, buffer: Buffer.from('raw bytes'), data: new DataView(floats.buffer, 8, 16), tags: new Set([1n]) };
}

/** `toEqual` walks a typed array element by element (minutes for megabytes): the large one is compared as bytes. */
export function expectSameBinary(back: ReturnType<typeof binaryValue>, value: ReturnType<typeof binaryValue>): void {
  expect(back.bytes).toBeInstanceOf(Uint8Array);
  expect(Buffer.from(back.bytes).equals(Buffer.from(value.bytes))).toBe(true);
  const { bytes: _, ...rest } = back;
  const { bytes: __, ...expected } = value;
  expect(rest).toEqual(expected);
}
