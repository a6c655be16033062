/**
 * The one way spillway links abort signals: a caller's signal, a backend's
 * or offloader's lifetime signal, a per-attempt timeout. Unlike
 * `AbortSignal.any`, the link is removed explicitly with `unlink()` once the
 * attempt settles, so thousands of attempts against one long-lived signal do
 * not accumulate listeners.
 */

/** A signal that aborts when any of its sources does, and the function that detaches it from them. */
export interface LinkedSignal {
  /** Aborts with the reason of the first source that aborts. */
  readonly signal: AbortSignal;
  /** Removes the listeners from the sources; call it when the attempt settled. */
  unlink(): void;
}

const NOTHING_TO_UNLINK = (): void => undefined;

/** Links the defined signals among `sources` into one; with a single source, returns it as is. */
export function linkSignals(...sources: readonly (AbortSignal | undefined)[]): LinkedSignal {
  const signals = sources.filter((source): source is AbortSignal => source !== undefined);
  if (signals.length === 1) return { signal: signals[0], unlink: NOTHING_TO_UNLINK };
  const controller = new AbortController();
  const already = signals.find((source) => source.aborted);
  if (already !== undefined) {
    controller.abort(already.reason);
    return { signal: controller.signal, unlink: NOTHING_TO_UNLINK };
  }
  const listeners = signals.map((source) => {
    const listener = (): void => controller.abort(source.reason);
    source.addEventListener('abort', listener, { once: true });
    return listener;
  });
  return {
    signal: controller.signal,
    unlink() {
      for (let index = 0; index < signals.length; index++) signals[index].removeEventListener('abort', listeners[index]);
    },
  };
}
