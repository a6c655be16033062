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

/**
 * A provider's scaling rate: how many new execution environments it can add
 * per period (Lambda: 1,000 per 10 s per function). The gate grants a slot
 * beyond the most ever held at once only with a token from this budget, so a
 * burst ramps up instead of turning into a throttling storm.
 */
export interface ScalingRamp {
  /** New environments per period (the bucket size and refill). */
  environments: number;
  /** Length of the period, ms. */
  perMs: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** Creates a gate with `limit` slots, optionally held to a provider's scaling rate. */
export function createConcurrencyGate(limit: number, ramp?: ScalingRamp): ConcurrencyGate {
  let active = 0;
  const waiters: Waiter[] = [];
  let idleWaiters: Array<() => void> = [];
  const now = ramp?.now ?? Date.now;
  /** Environments that exist: the most slots ever held at once. */
  let warm = 0;
  let tokens = ramp?.environments ?? Number.POSITIVE_INFINITY;
  let refilledAt = now();
  let wakeTimer: NodeJS.Timeout | undefined;

  function refill(): void {
    if (ramp === undefined) return;
    const at = now();
    tokens = Math.min(ramp.environments, tokens + ((at - refilledAt) * ramp.environments) / ramp.perMs);
    refilledAt = at;
  }

  /** Room for one more holder: under the limit, and a warm environment or a scaling token for it. */
  function canGrant(): boolean {
    if (active >= limit) return false;
    if (active < warm) return true;
    refill();
    return tokens >= 1;
  }

  function take(): void {
    active++;
    if (active > warm) {
      warm = active;
      tokens -= 1;
    }
  }

  /** Grants waiting callers while the ramp allows; wakes up again when the next token is due. */
  function drain(): void {
    while (waiters.length > 0 && canGrant()) {
      take();
      waiters.shift()?.grant();
    }
    if (ramp !== undefined && waiters.length > 0 && active < limit && wakeTimer === undefined) {
      const dueMs = Math.max(1, ((1 - tokens) * ramp.perMs) / ramp.environments);
      wakeTimer = setTimeout(() => {
        wakeTimer = undefined;
        drain();
      }, dueMs);
      wakeTimer.unref();
    }
  }

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
        // The slot passes on: the same environment serves the next caller.
        next.grant();
      }
    };
  }

  return {
    acquire(signal, abortError) {
      if (signal?.aborted) return Promise.reject(abortError());
      if (waiters.length === 0 && canGrant()) {
        take();
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
        // Blocked by the scaling ramp rather than the limit: wake up when a token is due.
        drain();
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
