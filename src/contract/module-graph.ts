/**
 * The source files a task module is made of: the module itself and every
 * local file it imports, statically or with a literal `import()`, followed
 * transitively. Packages (bare specifiers such as `zod` or `node:crypto`) are
 * not followed: the graph is the user's own code, which is what changes
 * between a bundle and a later edit.
 *
 * Imports are found with es-module-lexer, which reads JavaScript and
 * TypeScript sources alike (type-only imports are included: they cost a
 * harmless extra file at worst). Specifiers resolve as TypeScript's NodeNext
 * and bundler resolutions do: the exact file, `.js` to a `.ts` sibling, an
 * extensionless path with a known extension, or a folder's `index` file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initSync, parse } from 'es-module-lexer';

const EXTENSIONS = ['.ts', '.mts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];
const TS_SIBLING: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** Resolves a relative or absolute specifier from `fromFile`, or undefined when it names no local file. */
function resolveLocal(specifier: string, fromFile: string): string | undefined {
  let base: string;
  if (specifier.startsWith('file:')) base = fileURLToPath(specifier);
  else if (specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/')) base = resolve(dirname(fromFile), specifier);
  else return undefined;
  base = base.split(/[?#]/)[0];
  if (isFile(base)) return base;
  const extension = /\.[mc]?jsx?$/.exec(base)?.[0];
  if (extension !== undefined) {
    for (const sibling of TS_SIBLING[extension] ?? []) {
      const candidate = base.slice(0, -extension.length) + sibling;
      if (isFile(candidate)) return candidate;
    }
  }
  for (const candidate of [...EXTENSIONS.map((ext) => base + ext), ...EXTENSIONS.map((ext) => `${base}/index${ext}`)]) {
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

/** Literal specifiers a source imports (static imports, re-exports, literal dynamic imports). */
function importedSpecifiers(source: string, path: string): string[] {
  try {
    const [imports] = parse(source, path);
    return imports.map((entry) => entry.n).filter((name): name is string => name !== undefined);
  } catch {
    // A source the lexer cannot read contributes its own bytes only.
    return [];
  }
}

let lexerReady = false;

/**
 * The absolute paths of the files in a task module's local import graph,
 * the module first, then the others sorted, each once.
 */
export function taskModuleFiles(modulePath: string): string[] {
  if (!lexerReady) {
    initSync();
    lexerReady = true;
  }
  const seen = new Set<string>([modulePath]);
  const pending = [modulePath];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (!/\.[mc]?[jt]sx?$/.test(file)) continue;
    for (const specifier of importedSpecifiers(readFileSync(file, 'utf8'), file)) {
      const resolved = resolveLocal(specifier, file);
      if (resolved === undefined || seen.has(resolved) || resolved.includes('/node_modules/')) continue;
      seen.add(resolved);
      pending.push(resolved);
    }
  }
  const [first, ...rest] = [...seen];
  return [first, ...rest.sort()];
}
