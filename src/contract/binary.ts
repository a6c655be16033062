/**
 * Binary leaves of a value (typed arrays, `Buffer`, `DataView`,
 * `ArrayBuffer`, and long arrays of numbers, as Float64 bytes) in the value codec. Each leaf is encoded as a small
 * `["Bin", [kind, ref]]` entry: `ref` is either the bytes as base64 (the
 * form every network envelope carries) or the index of a part of a
 * {@link BinaryParts} table that travels beside the text, by structured
 * clone or transfer (the local pool's form: no text encoding of the bytes).
 */

/** The out-of-band bytes of an encoded value and the buffers that may be moved rather than copied. */
export interface BinaryParts {
  /** One `Uint8Array` per binary leaf, indexed by the leaf's `ref`. */
  readonly views: Uint8Array[];
  /** Buffers to transfer with the views: copies spillway made, and the caller's own buffers when it asked for `transfer`. */
  readonly transfer: ArrayBuffer[];
  /** Set once `transfer` was posted: those buffers are detached here and cannot be sent again. */
  moved?: boolean;
}

/** Constructors of the leaf kinds a decoder may build, by name (never looked up on a global by a name from the wire). */
const VIEW_KINDS: Record<string, { new (buffer: ArrayBuffer, byteOffset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT: number }> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

const toTag = Object.prototype.toString;

/** Arrays of numbers at least this long travel as the bytes of a `Float64Array` (exact for every number, -0 and NaN included). */
const MIN_PACKED_NUMBERS = 256;

/** True for a dense array of at least {@link MIN_PACKED_NUMBERS} numbers (a hole reads as `undefined`, so it fails). */
function isNumberArray(value: unknown[]): boolean {
  const length = value.length;
  if (length < MIN_PACKED_NUMBERS) return false;
  for (let index = 0; index < length; index++) if (typeof value[index] !== 'number') return false;
  return true;
}

/** The kind name of a binary leaf, or `undefined` for anything else. */
function kindOf(value: object): string | undefined {
  if (ArrayBuffer.isView(value)) {
    if (Buffer.isBuffer(value)) return 'Buffer';
    if (value instanceof DataView) return 'DataView';
    return toTag.call(value).slice(8, -1);
  }
  if (Array.isArray(value)) return isNumberArray(value) ? 'Numbers' : undefined;
  return value instanceof ArrayBuffer ? 'ArrayBuffer' : undefined;
}

/** The bytes a leaf covers, as a `Uint8Array` over the same memory (a new `Float64Array`'s for an array of numbers). */
function bytesOf(value: ArrayBufferView | ArrayBuffer | number[]): Uint8Array {
  if (Array.isArray(value)) return new Uint8Array(Float64Array.from(value).buffer);
  return ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
}

/**
 * A devalue reducer for binary leaves. With `parts`, the bytes go to the
 * table: a leaf that spans a whole `ArrayBuffer` is put there as is (cloned
 * when posted, or moved when `transferOwn` is set); any other leaf (a
 * `subarray`, a pooled `Buffer`, memory shared between threads) is copied to
 * a buffer of its own size, which is moved when `transferCopies` is set (a
 * value that may be posted again keeps its copies). Without `parts`, the bytes
 * are inlined as base64.
 */
export function binaryReducer(
  parts: BinaryParts | undefined,
  transferOwn: boolean,
  transferCopies = true,
): (value: unknown) => false | [string, number | string] {
  return (value) => {
    if (typeof value !== 'object' || value === null) return false;
    const kind = kindOf(value);
    if (kind === undefined) return false;
    const bytes = bytesOf(value as ArrayBufferView | ArrayBuffer | number[]);
    if (parts === undefined) return [kind, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')];
    const { buffer } = bytes;
    if (kind === 'Numbers') {
      // A copy of spillway's own, made for this post only when it may be moved.
      parts.views.push(bytes);
      if (transferCopies) parts.transfer.push(buffer as ArrayBuffer);
    } else if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) {
      parts.views.push(bytes);
      if (transferOwn && buffer.byteLength > 0 && !parts.transfer.includes(buffer)) parts.transfer.push(buffer);
    } else {
      const copy = bytes.slice();
      parts.views.push(copy);
      if (transferCopies) parts.transfer.push(copy.buffer);
    }
    return [kind, parts.views.length - 1];
  };
}

/** The bytes of a leaf's `ref`: a part of the table, or base64 copied to a buffer of its own. */
function partOf(ref: unknown, views: readonly Uint8Array[] | undefined): Uint8Array {
  if (typeof ref === 'string') {
    const decoded = Buffer.from(ref, 'base64');
    return decoded.byteOffset === 0 && decoded.buffer.byteLength === decoded.byteLength ? decoded : new Uint8Array(decoded);
  }
  const part = typeof ref === 'number' ? views?.[ref] : undefined;
  if (!(part instanceof Uint8Array)) {
    throw new Error(
      `binary part ${String(ref)} is missing (${views === undefined ? 'the value came without its binary parts' : `${views.length} were sent`}; a buffer sent with \`transfer: true\` cannot be sent again)`,
    );
  }
  return part;
}

/** Builds the leaf of `kind` over `bytes` (no copy, except for an `ArrayBuffer` that is part of a larger one). */
function leafOf(kind: string, bytes: Uint8Array): unknown {
  const { buffer, byteOffset, byteLength } = bytes as Uint8Array<ArrayBuffer>;
  if (kind === 'Buffer') return Buffer.from(buffer, byteOffset, byteLength);
  if (kind === 'DataView') return new DataView(buffer, byteOffset, byteLength);
  if (kind === 'Numbers') {
    if (byteLength % 8 !== 0) throw new Error(`${byteLength} bytes are no whole number of numbers`);
    return Array.from(new Float64Array(buffer, byteOffset, byteLength / 8));
  }
  if (kind === 'ArrayBuffer') return byteOffset === 0 && byteLength === buffer.byteLength ? buffer : buffer.slice(byteOffset, byteOffset + byteLength);
  const View = Object.hasOwn(VIEW_KINDS, kind) ? VIEW_KINDS[kind] : undefined;
  if (View === undefined) throw new Error(`unknown binary kind ${JSON.stringify(kind)}`);
  if (byteLength % View.BYTES_PER_ELEMENT !== 0) throw new Error(`${byteLength} bytes are no whole number of ${kind} elements`);
  return new View(buffer, byteOffset, byteLength / View.BYTES_PER_ELEMENT);
}

/** The devalue reviver of {@link binaryReducer}'s entries; `views` is the table that came with the text, if any. */
export function binaryReviver(views: readonly Uint8Array[] | undefined): (payload: unknown) => unknown {
  return (payload) => {
    if (!Array.isArray(payload) || payload.length !== 2 || typeof payload[0] !== 'string') throw new Error('malformed binary entry');
    return leafOf(payload[0], partOf(payload[1], views));
  };
}
