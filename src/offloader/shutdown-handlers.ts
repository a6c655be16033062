/**
 * `installShutdownHandlers`: drains an offloader when the process is asked to
 * stop (SIGTERM from a container platform, SIGINT from Ctrl+C), then exits.
 */
import { constants } from 'node:os';
import { MAX_TIMEOUT_MS } from '../contract/platform.js';
import { ValidationError } from '../errors.js';
import type { Offloader } from './types.js';

/** Options of {@link installShutdownHandlers}. */
export interface ShutdownHandlerOptions {
  /**
   * The signals that start the drain.
   * @default ['SIGTERM', 'SIGINT']
   */
  signals?: readonly NodeJS.Signals[];
  /**
   * The drain's deadline, passed to `offloader.close({ timeoutMs })`: past
   * it, pending tasks reject with `AbortError` and running local tasks get
   * their `abortGraceMs` (default 1,000 ms) to stop. The default fits Cloud
   * Run's 10 s between SIGTERM and SIGKILL with that grace and a margin.
   * @default 8_000
   */
  timeoutMs?: number;
  /**
   * Exit the process once drained, with code 128 + the signal's number (143
   * for SIGTERM, 130 for SIGINT), as a process killed by the signal reports.
   * `false` leaves the exit to the application (close its server, then exit).
   * @default true
   */
  exit?: boolean;
}

const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

function checked(options: ShutdownHandlerOptions): Required<ShutdownHandlerOptions> {
  const { signals = DEFAULT_SIGNALS, timeoutMs = 8_000, exit = true } = options ?? {};
  if (!Array.isArray(signals) || signals.some((signal) => typeof signal !== 'string' || !(signal in constants.signals))) {
    throw new ValidationError(`Expected \`signals\` to be an array of signal names such as 'SIGTERM', got ${JSON.stringify(signals)}`, { path: 'signals' });
  }
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 1 && timeoutMs <= MAX_TIMEOUT_MS)) {
    throw new ValidationError(`Expected \`timeoutMs\` to be a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${String(timeoutMs)}`, {
      path: 'timeoutMs',
    });
  }
  return { signals, timeoutMs, exit: exit !== false };
}

/**
 * Drains `offloader` when the process receives one of `signals`: it stops
 * taking tasks, waits up to `timeoutMs` for the submitted ones, cancels the
 * rest, then exits (see `exit`). A second signal during the drain exits at
 * once. Returns a function that removes the handlers.
 *
 * Per platform: Cloud Run and Cloud Functions (2nd gen) send SIGTERM, then
 * SIGKILL 10 s later (the default `timeoutMs` fits); Kubernetes sends SIGTERM
 * and waits `terminationGracePeriodSeconds` (30 s by default). AWS Lambda
 * sends SIGTERM only to functions with a registered extension, about 500 ms
 * before shutdown (pass `timeoutMs` of 300 or less there); without one the
 * environment is frozen and stopped with no signal, so these handlers never
 * run: a Lambda function that offloads must `await` its tasks (or
 * `offloader.close()`) before it returns. On Windows, SIGINT (Ctrl+C) is
 * delivered; SIGTERM is not.
 *
 * @example
 * const offloader = createOffloader({ tasks: new URL('./tasks.js', import.meta.url) });
 * installShutdownHandlers(offloader, { timeoutMs: 8_000 });
 */
export function installShutdownHandlers(offloader: Pick<Offloader, 'close'>, options: ShutdownHandlerOptions = {}): () => void {
  const { signals, timeoutMs, exit } = checked(options);
  let draining = false;
  const exitFor = (signal: NodeJS.Signals): void => {
    if (exit) process.exit(128 + (constants.signals[signal] ?? 0));
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (draining) {
      exitFor(signal);
      return;
    }
    draining = true;
    offloader
      .close({ timeoutMs })
      .catch(() => undefined)
      .finally(() => {
        uninstall();
        exitFor(signal);
      });
  };
  const uninstall = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return uninstall;
}
