import { describe, expect, it } from 'vitest';
import { deserialize, serialize, serializeParts } from '../../src/contract/index.js';
import { SerializationError } from '../../src/index.js';

function decodeError(text: string, binary?: Uint8Array[]): SerializationError {
  try {
    deserialize(text, 'input', binary);
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    return error as SerializationError;
  }
  throw new Error('expected a SerializationError');
}

describe('binary leaves', () => {
  it('travel beside the text in the parts form, inlined as base64 in the wire form, and decode the same', () => {
    const bytes = new Uint8Array(3000).fill(200);
    const value = { bytes, view: bytes.subarray(10, 20), buffer: Buffer.from('abc'), numbers: Array.from({ length: 300 }, (_, index) => index / 7) };
    const parts = serializeParts(value, 'input');
    expect(parts.text.length).toBeLessThan(200);
    expect(parts.binary?.views.map((view) => view.byteLength)).toEqual([3000, 10, 3, 2400]);
    // The whole-buffer view is posted as is (cloned), copies of partial views are not listed to move unless asked.
    expect(parts.binary?.views[0].buffer).toBe(bytes.buffer);
    expect(parts.binary?.transfer).toEqual([]);
    const wire = serialize(value, 'input');
    expect(wire).toContain(Buffer.from(bytes).toString('base64'));
    expect(deserialize(parts.text, 'input', parts.binary?.views)).toEqual(value);
    expect(deserialize(wire, 'input')).toEqual(value);
  });

  it('with transfer, lists the buffers of whole-buffer views once, and never a pooled Buffer', () => {
    const bytes = new Float64Array(16);
    const parts = serializeParts({ a: bytes, b: new Uint8Array(bytes.buffer), pooled: Buffer.from('small') }, 'input', true);
    expect(parts.binary?.transfer).toEqual([bytes.buffer]);
  });

  it('a text that refers to a missing part, an unknown kind or a misaligned length is a SerializationError, not a crash', () => {
    const { text } = serializeParts({ bytes: new Uint8Array(8) }, 'input');
    expect(decodeError(text).message).toMatch(/binary part 0 is missing/);
    expect(decodeError(text.replace('"Uint8Array"', '"Function"'), [new Uint8Array(8)]).message).toMatch(/unknown binary kind/);
    expect(decodeError(text.replace('"Uint8Array"', '"Float64Array"'), [new Uint8Array(7)]).message).toMatch(/no whole number/);
    expect(decodeError('[["Bin",1],"oops"]').message).toMatch(/malformed binary entry/);
  });
});
