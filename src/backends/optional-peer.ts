/**
 * Loading an optional peer dependency (the AWS SDK, google-auth-library, the
 * Functions Framework, esbuild) where a feature needs it, so that an app that
 * never uses the feature never installs the package. A missing peer becomes
 * one {@link MissingPeerError} naming the feature and the install command.
 */
import { MissingPeerError } from '../errors.js';

/** How {@link importPeer} loads a peer and what it says when the peer is missing. */
export interface ImportPeerOptions<M> {
  /** What needs the peer, as the user knows it: `spillway bundle`, `lambda() of spillway/aws-lambda`. */
  feature: string;
  /** Whether the peer is a build or deploy tool (`npm install --save-dev`) rather than a runtime dependency. */
  dev?: boolean;
  /**
   * Imports the peer, e.g. `() => import('esbuild')`: a literal specifier, so
   * an app's bundler sees it. Defaults to `import(name)`.
   */
  load?: () => Promise<M>;
}

/** True when `error` says that `name` itself (not one of its own dependencies) cannot be resolved. */
function isPeerMissing(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${name}'`) || message.includes(`"${name}"`));
}

/**
 * Imports the optional peer `name` (through `options.load` when given).
 * Resolves with its module namespace; when the package is not installed,
 * rejects with a {@link MissingPeerError} (`ERR_MISSING_PEER`) whose message
 * reads "<feature> needs <name> ...: npm install [--save-dev] <name>". Any
 * other failure (a broken install, a missing dependency of the peer) is
 * rethrown as it is.
 *
 * @example
 * const esbuild = await importPeer('esbuild', { feature: 'spillway bundle', dev: true, load: () => import('esbuild') });
 */
export async function importPeer<M = unknown>(name: string, options: ImportPeerOptions<M>): Promise<M> {
  try {
    return options.load === undefined ? ((await import(name)) as M) : await options.load();
  } catch (error) {
    if (!isPeerMissing(error, name)) throw error;
    const installCommand = `npm install ${options.dev === true ? '--save-dev ' : ''}${name}`;
    throw new MissingPeerError(`${options.feature} needs ${name}, an optional peer dependency of spillway that is not installed: ${installCommand}`, {
      peer: name,
      installCommand,
      cause: error,
    });
  }
}
