/** Function zips: a few files in memory to one deflated, reproducible zip (fixed timestamps), with fflate. */
import { writeFileSync } from 'node:fs';
import { type Zippable, zipSync } from 'fflate';

/** 1980-01-01, the earliest zip timestamp: the same inputs give the same zip bytes. */
const FIXED_MTIME = new Date(1980, 0, 1);

/** Writes `files` (name inside the zip → content) to `path` and returns the zip's size in bytes. */
export function writeZip(path: string, files: Record<string, Uint8Array | string>): number {
  const entries: Zippable = {};
  for (const [name, content] of Object.entries(files)) {
    entries[name] = [typeof content === 'string' ? Buffer.from(content) : content, { mtime: FIXED_MTIME }];
  }
  const zip = zipSync(entries, { level: 9 });
  writeFileSync(path, zip);
  return zip.byteLength;
}
