/**
 * Facts shared by the caller, the handlers and the infra scripts: the
 * environment variable that carries a deployed bundle's hash, and the Node
 * runtimes the cloud bundles target.
 */

/** Environment variable of a deployed function that holds its bundle's content hash. */
export const BUNDLE_HASH_ENV = 'SPILLWAY_BUNDLE_HASH';

/** The Node runtimes cloud bundles are built for and deployed on, one list for bundling, deploy and the handlers. */
export const NODE_RUNTIMES = {
  /** AWS Lambda managed runtime identifier. */
  lambda: 'nodejs22.x',
  /** Cloud Functions (gen2) / Cloud Run functions runtime identifier. */
  gcf: 'nodejs22',
  /** esbuild `target` matching both runtimes. */
  esbuildTarget: 'node22',
} as const;
