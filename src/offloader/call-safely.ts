/** Runs user code (a callback or an event listener) so that its exception cannot corrupt spillway's bookkeeping. */

/** Calls `callback`; an exception it throws is rethrown on a later microtask, like an EventEmitter listener error. */
export function callSafely(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
