/** The tests' view of the serverless-offline Lambda emulator, which lives in infra/emulators. */
export {
  type EmulatedFunction,
  freePort,
  type ServerlessOffline,
  type ServerlessOfflineOptions,
  startServerlessOffline,
} from '../../infra/emulators/serverless-offline.js';
