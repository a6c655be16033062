/**
 * Two forms of a value encoded with its binary leaves out of band (the
 * `text` and `views` of `serializeParts`), for a network:
 *
 * - {@link inlineBinary}: one text with each leaf's bytes as base64, the
 *   form every JSON envelope carries (what `serialize` makes);
 * - a binary frame ({@link encodeFrame}, {@link decodeFrame}): the raw bytes
 *   of every leaf after a small header, the form of a payload spilled to
 *   object storage, so a 20 MB `Uint8Array` is stored as about 20 MB.
 *
 * Frame layout: the ASCII magic `SPWF`, a little-endian uint32 header
 * length, the header (JSON `[textBytes, partBytes...]`), then the text as
 * UTF-8 and each part, every section starting at a multiple of 8 bytes so
 * that views of any element size can be built over the frame in place.
 */

/** The first bytes of every frame: `SPWF`. No codec text starts with `S`. */
const MAGIC = [0x53, 0x50, 0x57, 0x46] as const;

/** Sections start at multiples of this many bytes (the largest element size, `Float64Array`/`BigInt64Array`). */
const ALIGN = 8;

const padded = (length: number): number => Math.ceil(length / ALIGN) * ALIGN;

/** Characters of `bytes` bytes as base64 text. */
function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/**
 * Bytes of the inline form of `text` with `views` (what {@link inlineBinary}
 * makes), without making it: exact for ASCII text, within a few bytes per leaf.
 */
export function inlineSizeOf(text: string, views: readonly Uint8Array[] | undefined): number {
  let size = Buffer.byteLength(text);
  for (const view of views ?? []) size += base64Length(view.byteLength) + 16;
  return size;
}

/**
 * The one-text form of a value encoded out of band: each binary leaf's part
 * index is replaced by its bytes as base64, as `serialize` would have written them.
 */
export function inlineBinary(text: string, views: readonly Uint8Array[]): string {
  const flat = JSON.parse(text) as unknown[];
  const length = flat.length;
  for (let index = 0; index < length; index++) {
    const entry = flat[index];
    // devalue writes a reduced value as ["Bin", i]; flat[i] is [kindIndex, refIndex], and flat[refIndex] the part number.
    if (!Array.isArray(entry) || entry[0] !== 'Bin') continue;
    const leaf = flat[entry[1] as number] as [number, number];
    const part = views[flat[leaf[1]] as number];
    if (part === undefined) throw new Error(`binary part ${String(flat[leaf[1]])} is missing (${views.length} were given)`);
    // A new entry: the part number's entry may be shared with an equal number elsewhere in the value.
    flat.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('base64'));
    flat[entry[1] as number] = [leaf[0], flat.length - 1];
  }
  return JSON.stringify(flat);
}

/** True when `bytes` is a frame made by {@link encodeFrame} (else it is codec text). */
export function isFrame(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 8 && MAGIC.every((byte, index) => bytes[index] === byte);
}

/** Bytes of the frame of `text` with `views`. */
export function frameSizeOf(text: string, views: readonly Uint8Array[]): number {
  const header = JSON.stringify([Buffer.byteLength(text), ...views.map((view) => view.byteLength)]);
  let size = padded(8 + header.length) + padded(Buffer.byteLength(text));
  for (const view of views) size += padded(view.byteLength);
  return size;
}

/** The frame of `text` with `views`: one buffer holding every part's raw bytes (one copy of each). */
export function encodeFrame(text: string, views: readonly Uint8Array[]): Uint8Array {
  const textBytes = Buffer.from(text);
  const header = Buffer.from(JSON.stringify([textBytes.byteLength, ...views.map((view) => view.byteLength)]));
  let size = padded(8 + header.byteLength) + padded(textBytes.byteLength);
  for (const view of views) size += padded(view.byteLength);
  // Not zero-filled (that would write every byte twice): only the padding after each section is zeroed.
  const frame = Buffer.allocUnsafeSlow(size);
  let offset = 0;
  const write = (bytes: Uint8Array | readonly number[], length: number, at: number): number => {
    frame.set(bytes, at);
    const end = padded(at + length);
    frame.fill(0, at + length, end);
    return end;
  };
  frame.set(MAGIC, 0);
  frame.writeUInt32LE(header.byteLength, 4);
  offset = write(header, header.byteLength, 8);
  offset = write(textBytes, textBytes.byteLength, offset);
  for (const view of views) offset = write(view, view.byteLength, offset);
  return frame;
}

function malformed(why: string): Error {
  return new Error(`malformed binary frame: ${why}`);
}

/**
 * The text and parts of a frame. Each part is copied to a buffer of its
 * own, as base64 decoding gives it: a leaf built over it spans its whole
 * `buffer`, as on every other path.
 * @throws {Error} when `frame` is no well-formed frame.
 */
export function decodeFrame(frame: Uint8Array): { text: string; views: Uint8Array[] } {
  if (!isFrame(frame)) throw malformed('it does not start with SPWF');
  const bytes = frame;
  const headerBytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(4);
  if (8 + headerBytes > bytes.byteLength) throw malformed('its header runs past its end');
  let lengths: unknown;
  try {
    lengths = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerBytes).toString('utf8'));
  } catch {
    throw malformed('its header is no JSON');
  }
  if (!Array.isArray(lengths) || lengths.length === 0 || !lengths.every((length) => Number.isSafeInteger(length) && length >= 0)) {
    throw malformed('its header is no list of lengths');
  }
  let offset = padded(8 + headerBytes);
  const [textBytes, ...partBytes] = lengths as number[];
  const section = (length: number): Uint8Array => {
    if (offset + length > bytes.byteLength) throw malformed(`a section of ${length} bytes runs past its end (${bytes.byteLength} bytes)`);
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, length);
    offset += padded(length);
    return view;
  };
  const textView = section(textBytes);
  const text = Buffer.from(textView.buffer, textView.byteOffset, textView.byteLength).toString('utf8');
  return { text, views: partBytes.map((length) => section(length).slice()) };
}
