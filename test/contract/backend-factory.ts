/** What each backend of the contract suite provides: start a backend serving a JS task module, and stop it. */
import type { Backend, LocalOptions } from '../../src/index.js';

/** A started backend; `backend` is undefined for the local pool (the offloader creates it). */
export interface StartedBackend {
  backend?: Backend;
  stop(): Promise<void>;
}

/** One backend under contract test. */
export interface BackendFactory {
  /** The backend's name, used as `placement`. */
  name: string;
  /** The backend's name in results and errors, when it differs from `name` (the local pool under other options). */
  backend?: string;
  /** Options of the offloader's local pool. */
  local?: LocalOptions;
  /** Starts the backend serving the task module at `tasksUrl` (a JS file). */
  start(tasksUrl: URL): Promise<StartedBackend>;
}
