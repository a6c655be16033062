/**
 * {@link FrameReader}: reads a payload object as it arrives, chunk by chunk,
 * and copies each chunk straight to where it belongs: a binary frame's text
 * and every part into a buffer of its own (the layout of `binary-frame.ts`),
 * or codec text into one buffer. Nothing is assembled first, so a 20 MB
 * frame costs 20 MB and one copy, not the whole object plus a copy of each part.
 */
import { FRAME_ALIGN, FRAME_MAGIC, isFrame } from './binary-frame.js';

/** A section of the frame still to be filled: bytes `[start, start + target.byteLength)` of the object go to `target`. */
interface Section {
  readonly start: number;
  readonly target: Uint8Array;
}

/** Bytes kept until the frame's magic and header length are known. */
const PREFIX_BYTES = 8;

const padded = (length: number): number => Math.ceil(length / FRAME_ALIGN) * FRAME_ALIGN;

function malformed(why: string): Error {
  return new Error(`malformed binary frame: ${why}`);
}

/**
 * A buffer of `length` bytes of its own (never a slice of Node's pool), so
 * that a leaf built over it spans its whole `buffer`, as on every other path.
 * Not zero-filled: {@link FrameReader.end} refuses an object that did not fill it.
 */
function ownBuffer(length: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
}

/**
 * Reads an object of a known size (a `Content-Length`) that is either a
 * binary frame or codec text, from chunks in order.
 */
export class FrameReader {
  /** Bytes seen so far. */
  private received = 0;
  /** The first bytes, until the kind of object is known; then the frame's header. */
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private mode: 'sniff' | 'header' | 'frame' | 'text' = 'sniff';
  private headerBytes = 0;
  private sections: Section[] = [];
  /** Index of the first section not yet filled. */
  private next = 0;
  private textTarget: Buffer | undefined;
  private frameText: Uint8Array | undefined;
  private parts: Uint8Array[] = [];

  /** @param sizeBytes the object's size in bytes. */
  constructor(private readonly sizeBytes: number) {}

  /** Takes the next chunk of the object. @throws {Error} when the frame's header is malformed or the object is longer than `sizeBytes`. */
  write(chunk: Uint8Array): void {
    if (this.received + this.headBytes + chunk.byteLength > this.sizeBytes) throw malformed(`it is longer than the ${this.sizeBytes} bytes announced`);
    if (this.mode === 'frame') this.fill(chunk);
    else if (this.mode === 'text') this.collect(chunk);
    else this.takeHead(chunk);
  }

  /** Keeps `chunk` until the magic (then the header) is whole, then goes on as a frame or as text. */
  private takeHead(chunk: Uint8Array): void {
    this.head.push(chunk);
    this.headBytes += chunk.byteLength;
    const wanted = this.mode === 'sniff' ? PREFIX_BYTES : PREFIX_BYTES + this.headerBytes;
    if (this.headBytes < wanted) return;
    const head = Buffer.concat(this.head, this.headBytes);
    this.head = [];
    this.headBytes = 0;
    if (this.mode === 'header') {
      this.startFrame(head);
    } else if (!FRAME_MAGIC.every((byte, index) => head[index] === byte)) {
      this.startText(head);
    } else {
      this.mode = 'header';
      this.headerBytes = head.readUInt32LE(4);
      if (PREFIX_BYTES + this.headerBytes > this.sizeBytes) throw malformed('its header runs past its end');
      this.takeHead(head);
    }
  }

  /**
   * The object: a frame's text and parts, or codec text (`views` undefined).
   * @throws {Error} when a frame ended before its last section, or text before `sizeBytes`.
   */
  end(): { text: string; views?: Uint8Array[] } {
    const textBytes = this.mode === 'sniff' ? this.headBytes : this.received;
    if ((this.mode === 'sniff' || this.mode === 'text') && textBytes !== this.sizeBytes) {
      throw new Error(`the payload object ended after ${textBytes} of its ${this.sizeBytes} bytes`);
    }
    if (this.mode === 'sniff') return { text: Buffer.concat(this.head, this.headBytes).toString('utf8') };
    if (this.mode === 'text') return { text: (this.textTarget as Buffer).toString('utf8', 0, this.received) };
    if (this.mode === 'header') throw malformed('its header runs past its end');
    const unfilled = this.sections[this.next];
    if (unfilled !== undefined) throw malformed(`a section of ${unfilled.target.byteLength} bytes runs past its end (${this.received} bytes)`);
    const text = this.frameText ?? new Uint8Array(0);
    return { text: Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8'), views: this.parts };
  }

  private startText(head: Buffer): void {
    this.mode = 'text';
    this.textTarget = Buffer.allocUnsafe(this.sizeBytes);
    this.collect(head);
  }

  private collect(chunk: Uint8Array): void {
    (this.textTarget as Buffer).set(chunk, this.received);
    this.received += chunk.byteLength;
  }

  private startFrame(head: Buffer): void {
    let lengths: unknown;
    try {
      lengths = JSON.parse(head.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + this.headerBytes));
    } catch {
      throw malformed('its header is no JSON');
    }
    if (!Array.isArray(lengths) || lengths.length === 0 || !lengths.every((length) => Number.isSafeInteger(length) && length >= 0)) {
      throw malformed('its header is no list of lengths');
    }
    this.checkFits(lengths as number[], this.sizeBytes);
    let start = padded(PREFIX_BYTES + this.headerBytes);
    const [textBytes, ...partBytes] = lengths as number[];
    this.frameText = ownBuffer(textBytes);
    this.parts = partBytes.map(ownBuffer);
    for (const target of [this.frameText, ...this.parts]) {
      if (target.byteLength > 0) this.sections.push({ start, target });
      start += padded(target.byteLength);
    }
    this.mode = 'frame';
    this.fill(head);
  }

  /** Refuses a header whose sections need more bytes than the object has, before allocating them. */
  private checkFits(lengths: number[], sizeBytes: number): void {
    let end = padded(PREFIX_BYTES + this.headerBytes);
    for (const length of lengths) {
      if (end + length > sizeBytes) throw malformed(`a section of ${length} bytes runs past its end (${sizeBytes} bytes)`);
      end += padded(length);
    }
  }

  /** Copies the part of `chunk` (bytes `[received, received + length)` of the object) that falls in each section. */
  private fill(chunk: Uint8Array): void {
    const from = this.received;
    const to = from + chunk.byteLength;
    this.received = to;
    while (this.next < this.sections.length) {
      const { start, target } = this.sections[this.next];
      const end = start + target.byteLength;
      if (start >= to) return;
      const copyFrom = Math.max(start, from);
      const copyTo = Math.min(end, to);
      if (copyTo > copyFrom) target.set(chunk.subarray(copyFrom - from, copyTo - from), copyFrom - start);
      if (end > to) return;
      this.next += 1;
    }
  }
}

/**
 * The text and parts of a whole frame. Each part is copied to a buffer of
 * its own, as base64 decoding gives it: a leaf built over it spans its whole
 * `buffer`, as on every other path.
 * @throws {Error} when `frame` is no well-formed frame.
 */
export function decodeFrame(frame: Uint8Array): { text: string; views: Uint8Array[] } {
  if (!isFrame(frame)) throw malformed('it does not start with SPWF');
  const reader = new FrameReader(frame.byteLength);
  reader.write(frame);
  const { text, views } = reader.end();
  return { text, views: views ?? [] };
}
