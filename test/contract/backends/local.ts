/** The local piscina pool under the contract suite: nothing to start, the offloader owns it. */
import type { BackendFactory } from '../backend-factory.js';

export const localBackendFactory: BackendFactory = {
  name: 'local',
  async start() {
    return { stop: async () => {} };
  },
};
