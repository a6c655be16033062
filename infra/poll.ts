/**
 * Polling with exponential backoff, for the waits of the deploy scripts
 * (a Lambda function becoming Active, a Cloud Functions operation finishing).
 * The intervals and the sleep are injectable so tests run without waiting.
 */

/** How often and how long to poll. */
export interface PollOptions {
  /**
   * Delay before the second poll; later delays grow by `factor`.
   * @default 1000
   */
  initialDelayMs?: number;
  /**
   * Upper bound of one delay.
   * @default 10000
   */
  maxDelayMs?: number;
  /**
   * Growth of the delay between polls.
   * @default 1.5
   */
  factor?: number;
  /**
   * Polls before giving up (about 15 minutes with the default delays).
   * @default 100
   */
  maxPolls?: number;
  /** Waits `ms` milliseconds; tests pass one that resolves at once. */
  sleep?: (ms: number) => Promise<void>;
}

/** The outcome of one poll: done with a value, or not yet. */
export type PollResult<T> = { done: true; value: T } | { done: false };

/** Thrown by {@link pollUntil} when `maxPolls` polls did not finish. */
export class PollExhaustedError extends Error {
  /** Number of polls made. */
  readonly polls: number;

  /** Creates the error. */
  constructor(polls: number) {
    super(`still not done after ${polls} polls`);
    this.name = 'PollExhaustedError';
    this.polls = polls;
  }
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The delays {@link pollUntil} waits between polls, in order. */
function backoffDelays(options: PollOptions = {}): number[] {
  const { initialDelayMs = 1000, maxDelayMs = 10_000, factor = 1.5, maxPolls = 100 } = options;
  const delays: number[] = [];
  let delay = initialDelayMs;
  for (let poll = 1; poll < maxPolls; poll++) {
    delays.push(Math.min(delay, maxDelayMs));
    delay *= factor;
  }
  return delays;
}

/** Calls `check` until it reports done (then resolves with its value), throwing what `check` throws, or {@link PollExhaustedError}. */
export async function pollUntil<T>(check: () => Promise<PollResult<T>>, options: PollOptions = {}): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const delays = backoffDelays(options);
  for (let poll = 0; ; poll++) {
    const result = await check();
    if (result.done) return result.value;
    const delay = delays[poll];
    if (delay === undefined) throw new PollExhaustedError(poll + 1);
    await sleep(delay);
  }
}
