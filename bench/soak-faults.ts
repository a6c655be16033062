/**
 * The faults of bench/soak: a wrapper that makes a share of a remote's
 * attempts fail the four ways real remotes do, and the in-process "chaos"
 * remote (the shared runtime behind the Backend interface, no HTTP).
 *
 * Fault kinds, each as the adapters report it:
 * - `throttle`: refused before the request leaves (429; `CapacityError`
 *   `ERR_BACKEND_THROTTLED`, proof that the task never started);
 * - `http5xx`: the task runs, then the answer is lost to a 503 from the front
 *   end (`ERR_BACKEND_HTTP_503`, retryable, not proof);
 * - `hang`: the task runs, the client waits past its timeout and gives up
 *   (`ERR_BACKEND_TIMEOUT`);
 * - `reset`: the connection is reset mid-request, a few ms after it was sent,
 *   while the task runs on (`ERR_BACKEND_NETWORK`).
 *
 * Every remote is priced at a flat `usdPerAttempt` for an attempt that was
 * sent (nothing for one that was not), so the point at which a budget binds is
 * a count of attempts.
 */
import { type Backend, BackendError, CapacityError, type InvokeOptions } from 'spillway';
import { createRuntime, createTaskRegistry, hashTaskModule, type ResultEnvelope, type TaskEnvelope } from 'spillway/contract';
import * as soakTasks from './fixtures/soak-tasks.mjs';

/** The injected fault kinds. */
export const FAULT_KINDS = ['throttle', 'http5xx', 'hang', 'reset'] as const;
/** One injected fault kind. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A deterministic pseudo-random sequence (a linear congruential generator), so a run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Settings of {@link withFaults}. */
export interface FaultSettings {
  /** Share of attempts that face a fault, 0-1. */
  rate: number;
  /** How long a hung attempt waits before its client gives up. */
  hangMs: number;
  /** Flat price of an attempt that was sent. */
  usdPerAttempt: number;
  random: () => number;
}

/** A remote whose attempts face injected faults, with counters of what it did. */
export interface FaultyBackend extends Backend {
  /** Faults injected, by kind, and attempts passed through untouched (`none`). */
  readonly faults: Record<FaultKind | 'none', number>;
  /** Attempts in flight on the wrapped backend (a hung or reset attempt stays in flight until it ends there). */
  inFlight(): number;
}

/** Waits `ms`, or until `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Wraps `inner` so that `settings.rate` of its attempts face one of the {@link FAULT_KINDS}, chosen uniformly. */
export function withFaults(inner: Backend, settings: FaultSettings): FaultyBackend {
  const faults: Record<FaultKind | 'none', number> = { throttle: 0, http5xx: 0, hang: 0, reset: 0, none: 0 };
  let inFlight = 0;
  const send = (envelope: TaskEnvelope, options: InvokeOptions | undefined): Promise<ResultEnvelope> => {
    inFlight++;
    const attempt = inner.invoke(envelope, options);
    void attempt.then(
      () => inFlight--,
      () => inFlight--,
    );
    return attempt;
  };
  return {
    name: inner.name,
    kind: inner.kind,
    maxConcurrency: inner.maxConcurrency,
    ...(inner.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: inner.maxPayloadBytes }),
    ...(inner.invokedFunction === undefined ? {} : { invokedFunction: inner.invokedFunction }),
    maxBilledDurationMs: settings.hangMs * 2,
    estimateCostUsd: (durationMs) => (durationMs > 0 ? settings.usdPerAttempt : 0),
    faults,
    inFlight: () => inFlight,
    async invoke(envelope, options) {
      const roll = settings.random();
      const kind = roll < settings.rate ? FAULT_KINDS[Math.floor((roll / settings.rate) * FAULT_KINDS.length)] : undefined;
      if (kind === undefined) {
        faults.none++;
        return send(envelope, options);
      }
      faults[kind]++;
      if (kind === 'throttle') throw new CapacityError(`Backend "${inner.name}" answered 429 Too Many Requests`, { code: 'ERR_BACKEND_THROTTLED' });
      // The other faults send the request: the task runs, whatever the caller hears.
      const attempt = send(envelope, options);
      if (kind === 'http5xx') {
        await attempt.catch(() => undefined);
        throw new BackendError(`Backend "${inner.name}" answered HTTP 503 (injected)`, { code: 'ERR_BACKEND_HTTP_503', retryable: true });
      }
      attempt.catch(() => undefined);
      if (kind === 'hang') {
        await pause(settings.hangMs, options?.signal);
        throw new BackendError(`Backend "${inner.name}" sent no answer within ${settings.hangMs} ms (injected)`, {
          code: 'ERR_BACKEND_TIMEOUT',
          retryable: true,
        });
      }
      await pause(1 + Math.floor(settings.random() * 20), options?.signal);
      throw new BackendError(`Backend "${inner.name}": socket hang up (ECONNRESET, injected)`, { code: 'ERR_BACKEND_NETWORK', retryable: true });
    },
    close: () => inner.close(),
    destroy: () => inner.destroy(),
  };
}

/**
 * The chaos remote's backend: runs envelopes through the shared runtime in
 * this process (after a JSON round trip, as over HTTP), up to
 * `maxConcurrency` at once.
 */
export function inProcessRemote(tasksUrl: URL, maxConcurrency: number): Backend {
  const runtime = createRuntime(createTaskRegistry(soakTasks), { bundleHash: hashTaskModule(tasksUrl) });
  return {
    name: 'chaos',
    kind: 'custom',
    maxConcurrency,
    async invoke(envelope, options) {
      options?.onDispatch?.();
      const wire = JSON.parse(JSON.stringify(envelope)) as TaskEnvelope;
      return JSON.parse(JSON.stringify(await runtime.execute(wire, { signal: options?.signal }))) as ResultEnvelope;
    },
    close: async () => {},
    destroy: async () => {},
  };
}
