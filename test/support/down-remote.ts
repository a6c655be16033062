/** A remote that is always down: every invocation answers a retryable HTTP 503, so tests see failed attempts, retries and failover. */
import { type Backend, BackendError } from '../../src/index.js';

/** A custom remote named `down` whose every invocation fails with `ERR_BACKEND_HTTP_503` (retryable). */
export function downRemote(maxConcurrency = 4): Backend {
  return {
    name: 'down',
    kind: 'custom',
    maxConcurrency,
    invoke: async () => {
      throw new BackendError('HTTP 503 from the function', { code: 'ERR_BACKEND_HTTP_503', retryable: true });
    },
    close: async () => {},
    destroy: async () => {},
  };
}
