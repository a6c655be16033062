/**
 * What a function bundle is made of, read from esbuild's metafile: the bytes
 * each package contributes to the output (`spillway bundle --analyze`), and
 * a note when zod's locales are in it. `import { z } from 'zod'` makes
 * esbuild keep zod's whole namespace, about 40 locales (~270 kB of a
 * ~470 kB zod); `import * as z from 'zod'` keeps only English, which zod
 * registers by default.
 */
import { resolve, sep } from 'node:path';
import type { Metafile } from 'esbuild';

/** One part of a bundle: a package, spillway itself, or the task module's own files. */
export interface BundlePart {
  /** A package name (`zod`, `@opentelemetry/api`), `spillway`, or `task module` (files outside node_modules). */
  name: string;
  /** Bytes of the output that come from this part (esbuild's `bytesInOutput`, minified). */
  bytes: number;
}

const NODE_MODULES = 'node_modules/';

/** The part a metafile input (a path relative to the working directory) belongs to. */
function partOf(input: string, spillwayDist: string | undefined): string {
  const at = input.lastIndexOf(NODE_MODULES);
  if (at >= 0) {
    const [scopeOrName, name] = input.slice(at + NODE_MODULES.length).split('/');
    return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
  }
  if (spillwayDist !== undefined && resolve(input).startsWith(`${spillwayDist}${sep}`)) return 'spillway';
  return 'task module';
}

/**
 * The parts of the output of `metafile`, largest first. `spillwayDist` is
 * the absolute path of spillway's `dist/`, for a spillway that is not under
 * node_modules (this repository).
 */
export function bundleParts(metafile: Metafile, spillwayDist?: string): BundlePart[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = partOf(input, spillwayDist);
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

const ZOD_LOCALE = /(?:^|\/)node_modules\/zod\/v4\/locales\/([^/]+)\.js$/;

/** Bytes of zod locales other than English in the output (0 when none). */
function zodLocaleBytes(metafile: Metafile): number {
  let bytes = 0;
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const locale = ZOD_LOCALE.exec(input)?.[1];
      if (locale !== undefined && locale !== 'en' && locale !== 'index') bytes += bytesInOutput;
    }
  }
  return bytes;
}

/** A progress line naming zod's locales and the import that keeps them out, or `undefined` when the bundle has none. */
export function zodLocaleNote(metafile: Metafile, entry: string, format: (bytes: number) => string): string | undefined {
  const bytes = zodLocaleBytes(metafile);
  if (bytes === 0) return undefined;
  return `note     ${entry} carries zod's locales (${format(bytes)}): a module imports \`{ z } from 'zod'\`; write \`import * as z from 'zod'\` to keep only English`;
}

/** `parts` as aligned lines (`  118.5 kB  zod`) under a total line, for `spillway bundle --analyze`. */
export function formatBundleParts(entry: string, parts: readonly BundlePart[], format: (bytes: number) => string): string[] {
  const total = parts.reduce((sum, part) => sum + part.bytes, 0);
  return [`${entry}: ${format(total)} by part`, ...parts.map((part) => `  ${format(part.bytes).padStart(9)}  ${part.name}`)];
}
