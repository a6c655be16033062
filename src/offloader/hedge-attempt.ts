/**
 * One backup attempt of a hedged task, on the local pool or on a remote.
 * On a remote it goes through the remote's breaker and holds its
 * reservation in the spend ledger until it settles, then is billed for what
 * ran (an attempt cancelled after it was sent is billed its whole bound, as
 * the function keeps running), like any remote attempt. It is never retried
 * and never fails over: the task's own attempts carry on beside it.
 */
import type { Backend } from '../backends/backend.js';
import type { LocalBackend } from '../backends/local/index.js';
import type { ResultEnvelope, TaskEnvelope } from '../contract/envelope.js';
import type { OffloadError } from '../errors.js';
import type { BackendBreaker } from '../resilience/breaker.js';
import type { ResolvedTaskDefinition } from '../task.js';
import { failedAttemptMs } from './attempt-cost.js';
import { backendFailure } from './backend-failure.js';
import type { SpendLedger } from './spend-ledger.js';

/** What a backup attempt needs. */
export interface BackupParts {
  local: LocalBackend;
  ledger: SpendLedger;
  breakers: ReadonlyMap<string, BackendBreaker>;
}

/** How a backup attempt ended. */
export interface BackupOutcome {
  result?: ResultEnvelope;
  error?: OffloadError;
  /** When it was dispatched (`performance.now()`), if it was. */
  dispatchedAt?: number;
  /** The local worker that answered. */
  workerId?: number;
  /** Billed for it, USD (0 on the local pool or when it was not billed). */
  billedUsd: number;
}

/** What a backup attempt is. */
export interface BackupRequest {
  backend: Backend;
  envelope: TaskEnvelope;
  task: ResolvedTaskDefinition;
  timeoutMs: number | undefined;
  /** What moving the task's data to a remote backend costs (its `dataRegion`), USD; reserved and billed with the attempt. */
  transferUsd: number;
  signal: AbortSignal;
  /** Hears the reservation of a remote backup (USD) when it starts, and `-usd` when it settles. */
  onReserved: (usd: number) => void;
}

/** Runs one backup attempt; never rejects. */
export function runBackup(parts: BackupParts, request: BackupRequest): Promise<BackupOutcome> {
  return request.backend === parts.local ? localBackup(parts.local, request) : remoteBackup(parts, request);
}

function localBackup(local: LocalBackend, { envelope, task, signal }: BackupRequest): Promise<BackupOutcome> {
  return new Promise((resolve) => {
    let dispatchedAt: number | undefined;
    local.submit(
      envelope,
      { signal, task, chunkSize: 1 },
      {
        dispatched: (now) => {
          dispatchedAt = now;
        },
        settled: (error, result, workerId) => resolve({ error, result, workerId, dispatchedAt, billedUsd: 0 }),
      },
    );
  });
}

async function remoteBackup({ ledger, breakers }: BackupParts, request: BackupRequest): Promise<BackupOutcome> {
  const { backend, envelope, task, timeoutMs, transferUsd, signal, onReserved } = request;
  const reservation = ledger.reserve(backend, timeoutMs, transferUsd);
  onReserved(reservation.usd);
  let sentAt: number | undefined;
  const invoke = (): Promise<ResultEnvelope> => {
    sentAt = performance.now();
    return backend.invoke(envelope, {
      signal,
      task,
      onDispatch: () => {
        sentAt = performance.now();
      },
      onStorageUsd: (usd) => ledger.charged(backend, usd),
    });
  };
  try {
    const result = await (breakers.get(backend.name) as BackendBreaker).fire(invoke);
    const billedUsd = ledger.settled(reservation, result.durationMs, result.coldStartMs);
    ledger.measured(backend, task.name, result.durationMs);
    return { result, dispatchedAt: sentAt, billedUsd };
  } catch (thrown) {
    const billedUsd = ledger.settled(reservation, failedAttemptMs(thrown, sentAt, reservation.boundMs));
    return { error: backendFailure(backend.name, thrown), dispatchedAt: sentAt, billedUsd };
  } finally {
    onReserved(-reservation.usd);
  }
}
