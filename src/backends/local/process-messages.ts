/** The messages between the process pool (`process-pool.ts`) and each of its processes (`process-host.ts`). */
import { type ChunkReply, CULPRIT_BYTES, culpritByte, PROGRESS } from './wire-format.js';

/** What the parent starts a host with (JSON in `argv[2]`). */
export interface ProcessHostConfig {
  tasksUrl: string;
  maxTasksPerWorker?: number;
  /** Report this process's RSS every this many ms (where the parent cannot read `/proc`). */
  rssReportMs?: number;
}

/** A message from the parent. */
export type ToHost =
  | { t: 'run'; seq: number; envelopes: string; size: number; binary?: (Uint8Array[] | null)[]; skip?: number[] }
  | { t: 'stop'; seq: number; index: number; state: number };

/** A message to the parent. */
export type FromHost = { t: 'ready' } | { t: 'reply'; reply: ChunkReply } | { t: 'rss'; bytes: number };

/**
 * The line a host writes to file descriptor 4 (synchronously, so it reaches
 * the parent even if the process is killed next) as envelope `index` of
 * chunk `seq` starts, `startedAt` being `Date.now()` then. The exit note is
 * the one JSON line on that descriptor.
 */
export function startLine(seq: number, index: number, startedAt: number): string {
  return `${seq} ${index} ${startedAt}\n`;
}

/** The chunk number, index and start time of a {@link startLine} (without its newline). */
export function readStartLine(line: string): [seq: number, index: number, startedAt: number] {
  const first = line.indexOf(' ');
  const second = line.indexOf(' ', first + 1);
  return [Number(line.slice(0, first)), Number(line.slice(first + 1, second)), Number(line.slice(second + 1))];
}

/** The line written to file descriptor 4 when the process exits. */
export interface ExitNote {
  /** The fault marker of the chunk running or run last (`PROGRESS.faultByte`). */
  fault: number;
  /** Its culprit region, base64. */
  culprit: string;
  /** The uncaught exception that ended the process, if one did. */
  error?: string;
}

/**
 * Each view on its own buffer: views that arrive over IPC share one buffer at
 * arbitrary offsets, and the contract rebuilds typed arrays (a Float64Array
 * needs an offset that is a multiple of 8) on the views' buffers.
 */
export function ownBuffers(binary: (Uint8Array[] | null)[]): (Uint8Array[] | null)[] {
  return binary.map((views) => views?.map((view) => new Uint8Array(view)) ?? null);
}

/** Writes a dead process's exit note (fault marker and culprit) into the progress buffer of its chunk of `size` attempts. */
export function copyNote(progress: SharedArrayBuffer, size: number, note: ExitNote): void {
  Atomics.store(new Int32Array(progress, PROGRESS.faultByte, 1), 0, note.fault);
  if (note.culprit !== '') new Uint8Array(progress, culpritByte(size), CULPRIT_BYTES).set(Buffer.from(note.culprit, 'base64'));
}
