/**
 * The infrastructure retry policy: how often and how patiently a remote
 * attempt that hit an infrastructure fault is tried again (each retry may
 * fail over to another backend).
 */
import type { Options as PRetryOptions } from 'p-retry';

/** Infrastructure retry settings. */
export interface RetryOptions {
  /**
   * Retries of an infrastructure fault (each may fail over to another backend).
   * @default 3
   */
  retries?: number;
  /**
   * First backoff delay; later ones grow by 2x with jitter.
   * @default 50
   */
  minDelayMs?: number;
  /**
   * Longest backoff delay.
   * @default 2_000
   */
  maxDelayMs?: number;
}

/** p-retry's backoff settings for validated {@link RetryOptions}: exponential, factor 2, with jitter. */
export function backoff(retry: Required<RetryOptions>): Pick<PRetryOptions, 'retries' | 'factor' | 'minTimeout' | 'maxTimeout' | 'randomize'> {
  return { retries: retry.retries, factor: 2, minTimeout: retry.minDelayMs, maxTimeout: retry.maxDelayMs, randomize: true };
}
