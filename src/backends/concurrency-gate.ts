/**
 * A counting gate in front of a remote backend: at most `limit` holders at
 * once (the backend's `maxConcurrency`), the rest wait in call order. A
 * waiter whose signal aborts leaves the line. Shared by every remote adapter.
 */

/** Releases a slot; calling it again does nothing. */
export type ReleaseSlot = () => void;

/** A FIFO semaphore with abortable waits. */
export interface ConcurrencyGate {
  /** Resolves with a release function once a slot is free; rejects with `abortError()` if `signal` aborts first. */
  acquire(signal: AbortSignal | undefined, abortError: () => Error): Promise<ReleaseSlot>;
  /** Rejects every waiter with `error()`. */
  rejectWaiting(error: () => Error): void;
  /** Resolves when no slot is held and nobody waits. */
  whenIdle(): Promise<void>;
  /** Slots held now. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

interface Waiter {
  grant: () => void;
  fail: (error: Error) => void;
}

/** Creates a gate with `limit` slots. */
export function createConcurrencyGate(limit: number): ConcurrencyGate {
  let active = 0;
  const waiters: Waiter[] = [];
  let idleWaiters: Array<() => void> = [];

  function notifyIfIdle(): void {
    if (active > 0 || waiters.length > 0) return;
    const resolvers = idleWaiters;
    idleWaiters = [];
    for (const resolve of resolvers) resolve();
  }

  function releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiters.shift();
      if (next === undefined) {
        active--;
        notifyIfIdle();
      } else {
        next.grant();
      }
    };
  }

  return {
    acquire(signal, abortError) {
      if (signal?.aborted) return Promise.reject(abortError());
      if (active < limit && waiters.length === 0) {
        active++;
        return Promise.resolve(releaser());
      }
      return new Promise<ReleaseSlot>((resolve, reject) => {
        const onAbort = (): void => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          reject(abortError());
          notifyIfIdle();
        };
        const waiter: Waiter = {
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(releaser());
          },
          fail: (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    rejectWaiting(error) {
      for (const waiter of waiters.splice(0)) waiter.fail(error());
      notifyIfIdle();
    },
    whenIdle() {
      if (active === 0 && waiters.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiters.length;
    },
  };
}
