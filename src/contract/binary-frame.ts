/**
 * Two forms of a value encoded with its binary leaves out of band (the
 * `text` and `views` of `serializeParts`), for a network:
 *
 * - {@link inlineBinary}: one text with each leaf's bytes as base64, the
 *   form every JSON envelope carries (what `serialize` makes);
 * - a binary frame ({@link encodeFrame}, or {@link frameChunks} to send it
 *   without assembling it; read by `frame-reader.ts`): the raw bytes of every
 *   leaf after a small header, the form of a payload spilled to object
 *   storage, so a 20 MB `Uint8Array` is stored as about 20 MB.
 *
 * Frame layout: the ASCII magic `SPWF`, a little-endian uint32 header
 * length, the header (JSON `[textBytes, partBytes...]`), then the text as
 * UTF-8 and each part, every section starting at a multiple of 8 bytes so
 * that views of any element size can be built over the frame in place.
 */

/** The first bytes of every frame: `SPWF`. No codec text starts with `S`. */
export const FRAME_MAGIC = [0x53, 0x50, 0x57, 0x46] as const;

/** Sections start at multiples of this many bytes (the largest element size, `Float64Array`/`BigInt64Array`). */
export const FRAME_ALIGN = 8;

const ALIGN = FRAME_ALIGN;

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
  return bytes.byteLength >= 8 && FRAME_MAGIC.every((byte, index) => bytes[index] === byte);
}

/** Bytes of the frame of `text` with `views`. */
export function frameSizeOf(text: string, views: readonly Uint8Array[]): number {
  const header = JSON.stringify([Buffer.byteLength(text), ...views.map((view) => view.byteLength)]);
  let size = padded(8 + header.length) + padded(Buffer.byteLength(text));
  for (const view of views) size += padded(view.byteLength);
  return size;
}

/** Zero bytes for the padding after a section (at most `ALIGN - 1` are used). */
const PADDING = new Uint8Array(ALIGN);

/**
 * The frame of `text` with `views` as the chunks to send in order, without
 * copying the parts: the header and text in one small buffer, then each
 * part's own bytes and its padding. `sizeBytes` is their total.
 */
export function frameChunks(text: string, views: readonly Uint8Array[]): { chunks: Uint8Array[]; sizeBytes: number } {
  const textBytes = Buffer.from(text);
  const header = Buffer.from(JSON.stringify([textBytes.byteLength, ...views.map((view) => view.byteLength)]));
  const start = padded(8 + header.byteLength);
  const head = Buffer.alloc(start + padded(textBytes.byteLength));
  head.set(FRAME_MAGIC, 0);
  head.writeUInt32LE(header.byteLength, 4);
  head.set(header, 8);
  head.set(textBytes, start);
  const chunks: Uint8Array[] = [head];
  let sizeBytes = head.byteLength;
  for (const view of views) {
    const padding = padded(view.byteLength) - view.byteLength;
    chunks.push(view);
    if (padding > 0) chunks.push(PADDING.subarray(0, padding));
    sizeBytes += view.byteLength + padding;
  }
  return { chunks, sizeBytes };
}

/** The frame of `text` with `views`: one buffer holding every part's raw bytes (one copy of each). */
export function encodeFrame(text: string, views: readonly Uint8Array[]): Uint8Array {
  const { chunks, sizeBytes } = frameChunks(text, views);
  // Not zero-filled (that would write every byte twice): the chunks cover every byte, padding included.
  const frame = Buffer.allocUnsafeSlow(sizeBytes);
  let offset = 0;
  for (const chunk of chunks) {
    frame.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return frame;
}
