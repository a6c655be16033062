/**
 * One 'abort' listener per `AbortSignal`, however many attempts wait on it.
 * Node keeps a signal's listeners in a linked list whose removed entries
 * still point at their neighbours, so one listener added and removed per
 * attempt on a signal a whole `map` or `stream` shares makes a chain: each
 * dead entry promoted to the old generation drags the next ones (and the
 * attempts their closures hold) after it. A 500,000-input `stream` with a
 * `signal` promoted 365 MB that way instead of 45 MB. Here a signal gets one
 * listener the first time an attempt waits on it and keeps it while the
 * signal lives; the waiters come and go in a {@link SlotList}.
 */
import { SlotList } from './slot-list.js';

type Waiter = () => void;

const waitersBySignal = new WeakMap<AbortSignal, SlotList<Waiter>>();

/**
 * Calls `onAbort` once when `signal` aborts, unless {@link stopWaiting} is
 * called first. Returns the slot {@link stopWaiting} takes; -1 (and
 * `onAbort` is never called) when `signal` has already aborted, which
 * callers refuse before waiting.
 */
export function waitForAbort(signal: AbortSignal, onAbort: Waiter): number {
  if (signal.aborted) return -1;
  let waiters = waitersBySignal.get(signal);
  if (waiters === undefined) {
    const created = new SlotList<Waiter>();
    waitersBySignal.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        // A waiter stopped by an earlier one (its attempt settled meanwhile) is skipped, as a removed listener would be.
        for (const waiter of created) waiter();
        created.clear();
      },
      { once: true },
    );
    waiters = created;
  }
  return waiters.add(onAbort);
}

/** `onAbort` of slot `slot` (from {@link waitForAbort}) is no longer called; -1 is ignored. */
export function stopWaiting(signal: AbortSignal, slot: number): void {
  if (slot !== -1) waitersBySignal.get(signal)?.delete(slot);
}
