/**
 * Replay protection of signed requests, per function instance. A signature
 * covers the timestamp and the exact body (which holds the task id and the
 * attempt), so an identical signature seen twice is the same request sent
 * twice. The guard remembers every accepted signature until its timestamp
 * leaves the clock-skew window, after which {@link verifyRequest} refuses it
 * anyway.
 *
 * The memory is this instance's only: with several instances, a replay
 * routed to another instance within the window still runs there once. What
 * bounds replays across instances is the window itself and the task's
 * idempotency (a non-idempotent task is never retried by spillway, but a
 * captured request can be sent to each instance).
 */

/** Most signatures one handler remembers; past it the oldest is forgotten first. */
const MAX_REMEMBERED_SIGNATURES = 100_000;

/** Remembers accepted signatures until they expire. */
export class ReplayGuard {
  /** Signature → when it leaves the window (ms since the epoch); insertion order. */
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;
  readonly #capacity: number;

  /** `windowMs`: the handler's `maxClockSkewMs`; `capacity`: most signatures kept. */
  constructor(windowMs: number, capacity: number = MAX_REMEMBERED_SIGNATURES) {
    this.#windowMs = windowMs;
    this.#capacity = capacity;
  }

  /**
   * Records the signature of a verified request signed at `timestampSeconds`;
   * returns false when it was already accepted (a replay).
   */
  accept(signature: string, timestampSeconds: number, nowMs: number = Date.now()): boolean {
    const seen = this.#seen;
    this.#forgetExpired(nowMs);
    const expiresAt = seen.get(signature);
    if (expiresAt !== undefined && expiresAt >= nowMs) return false;
    if (seen.size >= this.#capacity) {
      const oldest = seen.keys().next();
      if (!oldest.done) seen.delete(oldest.value);
    }
    seen.set(signature, timestampSeconds * 1000 + this.#windowMs);
    return true;
  }

  /** Drops expired signatures from the front (entries are roughly in expiry order; stragglers go when they reach it). */
  #forgetExpired(nowMs: number): void {
    for (const [signature, expiresAt] of this.#seen) {
      if (expiresAt >= nowMs) return;
      this.#seen.delete(signature);
    }
  }
}
