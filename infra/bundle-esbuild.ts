/** The esbuild settings every spillway bundle shares, and one esbuild run that fails with a {@link BundleError}. */
import { dirname } from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';
import { NODE_RUNTIMES } from '../src/contract/platform.js';
import { BundleError } from './bundle-error.js';
import { loadEsbuild } from './peers.js';

/** Imports the Lambda runtime provides. */
export const LAMBDA_EXTERNAL = ['@aws-sdk/*'];
/** Imports left to the Functions Framework install on Cloud Functions. */
export const GCF_EXTERNAL = ['@google-cloud/functions-framework'];

/** ESM bundles of CommonJS dependencies need `require`; give them Node's. */
const REQUIRE_BANNER = "import { createRequire as __spillwayCreateRequire } from 'node:module'; const require = __spillwayCreateRequire(import.meta.url);";

/**
 * Runs esbuild once and resolves with its metafile (what each input adds to the output);
 * a failure becomes `ERR_BUNDLE_BUILD` naming the task module and esbuild's first message.
 * esbuild is an optional peer: without it, this rejects with `ERR_MISSING_PEER`.
 */
export async function esbuildOnce(options: BuildOptions, tasksPath: string): Promise<Metafile> {
  const { build } = await loadEsbuild();
  try {
    const { metafile } = await build({ logLevel: 'silent', ...options, metafile: true });
    return metafile;
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    const text = first ? `${first.text}${where}` : (error as Error).message.split('\n')[0];
    throw new BundleError(`esbuild could not bundle the task module \`--tasks\` ${tasksPath}: ${text}`, {
      code: 'ERR_BUNDLE_BUILD',
      field: 'tasks',
      cause: error,
    });
  }
}

/** Options of one ESM bundle for Node (NODE_RUNTIMES.esbuildTarget) from an in-memory entry `contents` resolved next to the task module. */
export function baseOptions(tasksPath: string, contents: string, outfile: string, external: string[]): BuildOptions {
  return {
    stdin: { contents, resolveDir: dirname(tasksPath), sourcefile: 'spillway-entry.mjs', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: NODE_RUNTIMES.esbuildTarget,
    minify: true,
    // Minified, but class and function names stay: errors named by their class
    // (`this.name = new.target.name`) and remote stacks read as in the source.
    keepNames: true,
    treeShaking: true,
    // No `sourcemap`: nothing is written or inlined next to the code the function loads.
    legalComments: 'none',
    external,
    banner: { js: REQUIRE_BANNER },
    outfile,
  };
}
