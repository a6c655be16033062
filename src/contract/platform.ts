/**
 * Facts shared by the caller, the handlers and the infra scripts: the
 * environment variable that carries a deployed bundle's hash, and the Node
 * runtimes the cloud bundles target.
 */

/** Environment variable of a deployed function that holds its bundle's content hash. */
export const BUNDLE_HASH_ENV = 'SPILLWAY_BUNDLE_HASH';

/**
 * The Node runtimes cloud bundles are built for and deployed on, one list for bundling, deploy and the handlers:
 * the newest managed runtimes (Lambda nodejs24.x and Cloud Run functions nodejs24, supported until 2028).
 * nodejs24.x runs only async (promise-returning) handlers; spillway's handlers are async.
 */
export const NODE_RUNTIMES = {
  /** AWS Lambda managed runtime identifier. */
  lambda: 'nodejs24.x',
  /** Cloud Functions (gen2) / Cloud Run functions runtime identifier. */
  gcf: 'nodejs24',
  /** esbuild `target` matching both runtimes. */
  esbuildTarget: 'node24',
} as const;

/**
 * The longest `timeoutMs` spillway accepts anywhere (task definitions, run and
 * map options, envelopes): 2^31-1 ms (about 24.8 days), the longest delay a
 * Node timer keeps. Longer values, `Infinity` and `NaN` are refused.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Largest `logs.maxBytes` (1 MiB): a result with its captured lines stays far below every backend's response limit. */
export const MAX_LOG_BYTES = 1_048_576;
