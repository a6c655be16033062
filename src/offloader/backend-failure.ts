/** What a remote's `invoke` threw, as the offloader reports it. */
import { BackendError, isOffloadError, type OffloadError } from '../errors.js';

/** `thrown` itself when it is an `OffloadError`, else a `BackendError` naming `backend` with `thrown` as its cause. */
export function backendFailure(backend: string, thrown: unknown): OffloadError {
  return isOffloadError(thrown) ? thrown : new BackendError(`Backend "${backend}" failed: ${(thrown as Error)?.message ?? String(thrown)}`, { cause: thrown });
}
