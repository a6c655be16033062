/** The serverless-offline Lambda emulator for tests: the one implementation in infra/emulators (public as `spillway/dev`). */
export { freePort } from '../../infra/emulators/free-port.js';
export {
  type ServerlessOffline,
  startServerlessOffline,
} from '../../infra/emulators/serverless-offline.js';
