/**
 * A first-in, first-out gate that lets at most `limit` invocations run at
 * once. Waiters leave the queue when their signal aborts.
 */

/** Releases a slot taken from a {@link ConcurrencyGate}; calling it twice is harmless. */
export type ReleaseSlot = () => void;

/** The gate in front of a remote backend. */
export interface ConcurrencyGate {
  /** Waits for a free slot. Rejects with `signal.reason` when the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot>;
  /** Slots taken now. */
  readonly running: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

interface Waiter {
  grant: (release: ReleaseSlot) => void;
  cancel?: () => void;
}

/** Creates a gate of `limit` slots. */
export function createConcurrencyGate(limit: number): ConcurrencyGate {
  let running = 0;
  const queue: Waiter[] = [];

  function slot(): ReleaseSlot {
    running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      running--;
      const next = queue.shift();
      if (next !== undefined) {
        next.cancel?.();
        next.grant(slot());
      }
    };
  }

  return {
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (running < limit) return Promise.resolve(slot());
      return new Promise<ReleaseSlot>((resolve, reject) => {
        const waiter: Waiter = { grant: resolve };
        if (signal !== undefined) {
          const onAbort = (): void => {
            const index = queue.indexOf(waiter);
            if (index >= 0) queue.splice(index, 1);
            reject(signal.reason);
          };
          signal.addEventListener('abort', onAbort, { once: true });
          waiter.cancel = () => signal.removeEventListener('abort', onAbort);
        }
        queue.push(waiter);
      });
    },
  };
}
