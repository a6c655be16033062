/**
 * The cold start a handler reports in its first result: how long the
 * execution environment took to start (INIT), which the platform bills
 * (`../shared/cloud-facts.md`: Lambda bills INIT for on-demand functions
 * since 2025-08-01, capped at 10 s; Cloud Run functions bill container
 * startup). It is the process's age at its first invocation
 * (`performance.now()`: runtime start and module load included). Reported
 * only on the platform itself, so emulators bill nothing for it:
 *
 * - Lambda: `AWS_LAMBDA_INITIALIZATION_TYPE` is `on-demand` (provisioned
 *   concurrency and SnapStart are priced otherwise). An age over 10 s is a
 *   proactive INIT long before the first request, which the OpenTelemetry
 *   Lambda instrumentation also does not count as a cold start: none is reported.
 * - Cloud Run functions: `K_REVISION` is set (Cloud Run's container contract).
 */

/** Lambda bills at most this much INIT, ms (cloud-facts: "INIT capped at 10 s"). */
export const MAX_BILLED_INIT_MS = 10_000;

/** Which platform a handler runs on. */
type Platform = 'lambda' | 'gcf';

let first = true;

/** INIT time to report with this process's first invocation on `platform`, ms; undefined after the first, off the platform, or for a proactive INIT. */
export function takeColdStartMs(platform: Platform, env: NodeJS.ProcessEnv = process.env, ageMs = performance.now()): number | undefined {
  if (!first) return undefined;
  first = false;
  if (platform === 'lambda') return env.AWS_LAMBDA_INITIALIZATION_TYPE === 'on-demand' && ageMs <= MAX_BILLED_INIT_MS ? ageMs : undefined;
  return env.K_REVISION === undefined ? undefined : ageMs;
}
