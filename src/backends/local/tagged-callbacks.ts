/**
 * Worker side of fault tracing (see `fault-origin.ts`): callbacks scheduled
 * with `setTimeout`, `setInterval`, `setImmediate` (the globals and
 * `node:timers`' exports), `process.nextTick` and `queueMicrotask` remember
 * whose code scheduled them, and run as that code. Only scheduling pays (one
 * closure per callback); a task that schedules nothing costs nothing.
 */
import { syncBuiltinESMExports } from 'node:module';
import timers from 'node:timers';

type Schedule = (this: unknown, callback: unknown, ...rest: unknown[]) => unknown;

/** Whose code runs: read by the schedulers, changed around each callback. */
export interface CodeOrigin<O> {
  /** The origin of the code running now, if known. */
  current(): O | undefined;
  /** A callback of `origin` starts: makes it current; returns the origin it replaces. */
  enter(origin: O): O | undefined;
  /** The callback returned: `previous` is current again. */
  leave(previous: O | undefined): void;
}

/**
 * `callback` running as `origin`'s code. A throw leaves `origin` current, so
 * the uncaught-exception hook that runs next sees who threw.
 */
function runAs<O>(callback: (...args: unknown[]) => unknown, origin: O, origins: CodeOrigin<O>) {
  return function (this: unknown, ...args: unknown[]): unknown {
    const previous = origins.enter(origin);
    const result = Reflect.apply(callback, this, args);
    origins.leave(previous);
    return result;
  };
}

/** `schedule` with callbacks that run as the code that scheduled them; keeps its name, length and `util.promisify` form. */
function tagging<O>(schedule: Schedule, origins: CodeOrigin<O>): Schedule {
  const wrapped = function (this: unknown, callback: unknown, ...rest: unknown[]): unknown {
    const origin = origins.current();
    const run = typeof callback === 'function' && origin !== undefined ? runAs(callback as (...args: unknown[]) => unknown, origin, origins) : callback;
    return Reflect.apply(schedule, this, [run, ...rest]);
  };
  for (const key of Reflect.ownKeys(schedule)) {
    if (key === 'prototype') continue;
    Object.defineProperty(wrapped, key, Object.getOwnPropertyDescriptor(schedule, key) as PropertyDescriptor);
  }
  return wrapped;
}

/**
 * Replaces the schedulers of this thread so each callback runs as the code
 * that scheduled it (see {@link CodeOrigin}). Call once per thread, before
 * the task module loads.
 */
export function tagCallbacks<O>(origins: CodeOrigin<O>): void {
  const scope = globalThis as unknown as Record<string, Schedule>;
  const timerExports = timers as unknown as Record<string, Schedule>;
  for (const name of ['setTimeout', 'setInterval', 'setImmediate']) {
    const original = timerExports[name];
    const wrapped = tagging(original, origins);
    timerExports[name] = wrapped;
    if (scope[name] === original) scope[name] = wrapped;
  }
  scope.queueMicrotask = tagging(scope.queueMicrotask, origins);
  process.nextTick = tagging(process.nextTick as Schedule, origins) as typeof process.nextTick;
  // `import { setTimeout } from 'node:timers'` sees the replaced exports.
  syncBuiltinESMExports();
}
