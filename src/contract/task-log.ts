/**
 * What one task attempt printed, bounded: the lines it wrote to stdout and
 * stderr, kept whole, the oldest dropped first once their text passes
 * `maxBytes` (UTF-8, one byte per line for its newline), and `truncated` set
 * when anything was dropped. `log-capture.ts` feeds it.
 */

/** Which stream a line was written to. */
export type TaskLogStream = 'stdout' | 'stderr';

/** One line a task printed (without its newline). */
export interface TaskLogLine {
  /** `stdout` (`console.log`, `info`, `debug`, `process.stdout.write`) or `stderr` (`console.error`, `warn`, `trace`, `process.stderr.write`). */
  stream: TaskLogStream;
  /** The line's text. */
  text: string;
  /** When the line's first character was written, `Date.now()` where the task ran. */
  at: number;
}

/** The lines one attempt printed. */
export interface TaskLogs {
  /** The last lines, oldest first; their text is at most the capture's `maxBytes`. */
  lines: TaskLogLine[];
  /** True when earlier lines (or the head of an over-long line) were dropped to stay within `maxBytes`. */
  truncated: boolean;
}

/** The last `maxBytes` UTF-8 bytes of `text`, starting at a character boundary. */
function tailBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text);
  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString();
}

/** The bounded log of one attempt. */
export class TaskLogBuffer {
  /** Writes seen so far, so a console wrapper can tell whether its call reached a stream. */
  writes = 0;
  /** False once the attempt ended: what its leftover timers print is not kept. */
  open = true;
  readonly #maxBytes: number;
  #lines: TaskLogLine[] = [];
  /** Index of the oldest kept line in `#lines`. */
  #first = 0;
  #bytes = 0;
  #truncated = false;
  /** Text written to stdout without its newline yet. */
  #partialOut: TaskLogLine | undefined;
  /** Text written to stderr without its newline yet. */
  #partialErr: TaskLogLine | undefined;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Records `chunk` written to `stream` at `at`. */
  write(stream: TaskLogStream, chunk: string, at: number): void {
    this.writes++;
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      const pending = this.#takePartial(stream);
      const text = chunk.slice(start, newline);
      this.#add(pending === undefined ? { stream, text, at } : { stream, text: pending.text + text, at: pending.at });
      start = newline + 1;
    }
    if (start === chunk.length) return;
    const pending = this.#takePartial(stream);
    const line = pending === undefined ? { stream, text: chunk.slice(start), at } : { stream, text: pending.text + chunk.slice(start), at: pending.at };
    // A line without end stays bounded too.
    if (line.text.length * 3 > this.#maxBytes && Buffer.byteLength(line.text) >= this.#maxBytes) {
      line.text = tailBytes(line.text, this.#maxBytes - 1);
      this.#truncated = true;
    }
    if (stream === 'stdout') this.#partialOut = line;
    else this.#partialErr = line;
  }

  /** The unterminated text of `stream`, which is cleared. */
  #takePartial(stream: TaskLogStream): TaskLogLine | undefined {
    const pending = stream === 'stdout' ? this.#partialOut : this.#partialErr;
    if (stream === 'stdout') this.#partialOut = undefined;
    else this.#partialErr = undefined;
    return pending;
  }

  /** Ends the attempt's log: its lines, or `undefined` when it printed nothing. */
  finish(): TaskLogs | undefined {
    this.open = false;
    if (this.writes === 0) return undefined;
    for (const pending of [this.#takePartial('stdout'), this.#takePartial('stderr')]) if (pending !== undefined) this.#add(pending);
    const lines = this.#first === 0 ? this.#lines : this.#lines.slice(this.#first);
    return lines.length === 0 && !this.#truncated ? undefined : { lines, truncated: this.#truncated };
  }

  #add(line: TaskLogLine): void {
    let size = Buffer.byteLength(line.text) + 1;
    if (size > this.#maxBytes) {
      line.text = tailBytes(line.text, this.#maxBytes - 1);
      size = Buffer.byteLength(line.text) + 1;
      this.#truncated = true;
    }
    this.#lines.push(line);
    this.#bytes += size;
    while (this.#bytes > this.#maxBytes) {
      this.#bytes -= Buffer.byteLength(this.#lines[this.#first].text) + 1;
      this.#first++;
      this.#truncated = true;
    }
    if (this.#first > 1024 && this.#first * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#first);
      this.#first = 0;
    }
  }
}
