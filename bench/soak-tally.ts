/**
 * The bookkeeping of bench/soak: every submitted task's settlements (both
 * callbacks and the promise), its result or error, the backend it settled
 * on, and the offloader's breaker and budget events.
 */
import type { Offloadable, Offloader } from 'spillway';
import type { SoakInput } from './fixtures/soak-tasks.mjs';
import type { Executions } from './soak-accounting.js';

interface TaskRecord {
  kind: 'square' | 'charge';
  input: SoakInput;
  /** Callback settlements (onSuccess + onError). */
  callbacks: number;
  /** Promise settlements. */
  settled: number;
  result?: number;
  error?: unknown;
  backend?: string;
}

/** What the tally found once the storm is over. */
export interface TallyOutcome {
  lost: number;
  doubleSettled: number;
  remoteSettled: number;
  details: {
    idempotentNeverRan: number;
    failedIdempotent: number;
    failedNonIdempotent: number;
    wrongResults: number;
    settledOn: Record<string, number>;
    breakers: Record<string, string[]>;
    failureCodes: Record<string, number>;
    /** How each idempotent task that failed ended (none expected): for the reader of a failed run. */
    idempotentFailures: { id: number; code: string; backend?: string; attempts?: number; message: string }[];
  };
}

/** Records the storm's tasks and the offloader's breaker and budget events. */
export class SoakTally {
  readonly #offloader: Offloader;
  readonly #records: TaskRecord[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  readonly #breakers: Record<string, string[]> = {};
  #budgetBound = false;

  constructor(offloader: Offloader, remotes: readonly string[]) {
    this.#offloader = offloader;
    for (const name of remotes) this.#breakers[name] = [];
    for (const event of ['breakerOpen', 'breakerHalfOpen', 'breakerClose'] as const) {
      offloader.on(event, ({ backend }) => this.#breakers[backend]?.push(event.slice('breaker'.length).toLowerCase()));
    }
    offloader.on('budgetExhausted', () => {
      this.#budgetBound = true;
    });
  }

  /** True once the offloader reported `budgetExhausted`. */
  get budgetBound(): boolean {
    return this.#budgetBound;
  }

  /** Tasks submitted so far. */
  get submitted(): number {
    return this.#records.length;
  }

  /** Submits one task with `placement: 'auto'`. */
  submit(task: Offloadable<SoakInput, number>, input: SoakInput): void {
    const record: TaskRecord = { kind: task.name as 'square' | 'charge', input, callbacks: 0, settled: 0 };
    this.#records.push(record);
    const promise = this.#offloader
      .run(task, input, {
        timeoutMs: 20_000,
        onSuccess: (_result, info) => {
          record.callbacks++;
          record.backend = info.backend;
        },
        onError: (_error, info) => {
          record.callbacks++;
          record.backend = info.backend;
        },
      })
      .then(
        (result) => {
          record.settled++;
          record.result = result;
        },
        (error: unknown) => {
          record.settled++;
          record.error = error;
        },
      )
      .finally(() => this.#pending.delete(promise));
    this.#pending.add(promise);
  }

  /** Waits until every submitted task settled, or `deadlineMs` passed. */
  async drain(deadlineMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    while (this.#pending.size > 0) {
      const done = await Promise.race([Promise.all([...this.#pending]).then(() => false), deadline.then(() => true)]);
      if (done) break;
    }
    clearTimeout(timer);
  }

  /** Compares the records with the journal's `executions`. */
  outcome(executions: Executions): TallyOutcome {
    const outcome: TallyOutcome = {
      lost: 0,
      doubleSettled: 0,
      remoteSettled: 0,
      details: {
        idempotentNeverRan: 0,
        failedIdempotent: 0,
        failedNonIdempotent: 0,
        wrongResults: 0,
        settledOn: {},
        breakers: this.#breakers,
        failureCodes: {},
        idempotentFailures: [],
      },
    };
    const { details } = outcome;
    for (const record of this.#records) {
      if (record.settled === 0 || record.callbacks === 0) outcome.lost++;
      if (record.settled > 1 || record.callbacks > 1) outcome.doubleSettled++;
      if (record.kind === 'square' && !executions.square.has(record.input.id)) details.idempotentNeverRan++;
      if (record.error !== undefined) {
        const code = (record.error as { code?: string }).code ?? String(record.error);
        details.failureCodes[code] = (details.failureCodes[code] ?? 0) + 1;
        if (record.kind === 'charge') details.failedNonIdempotent++;
        else {
          details.failedIdempotent++;
          const { backend, attempts, message } = record.error as { backend?: string; attempts?: number; message?: string };
          details.idempotentFailures.push({ id: record.input.id, code, backend, attempts, message: String(message).slice(0, 300) });
        }
        continue;
      }
      if (record.settled === 0) continue;
      if (record.result !== record.input.n * record.input.n + 1) details.wrongResults++;
      const backend = record.backend ?? '?';
      details.settledOn[backend] = (details.settledOn[backend] ?? 0) + 1;
      if (backend !== 'local') outcome.remoteSettled++;
    }
    return outcome;
  }
}
