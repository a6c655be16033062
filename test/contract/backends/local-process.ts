/** The process-isolated local pool (`local.isolation: 'process'`) under the contract suite: the offloader owns it. */
import type { BackendFactory } from '../backend-factory.js';

export const localProcessBackendFactory: BackendFactory = {
  name: 'local-process',
  backend: 'local',
  local: { isolation: 'process' },
  async start() {
    return { stop: async () => {} };
  },
};
