/**
 * The default priors of the scheduler's latency prediction for a Lambda
 * function, from `../shared/cloud-facts.md` (section 1), each then learned
 * from the function's answers.
 */
import type { RemoteLatencyProfile } from '../../src/scheduler/types.js';

/** One vCPU at 1,769 MB, CPU proportional to memory (configuration-memory). */
const MB_PER_VCPU = 1769;
/** Node.js INIT: P50 200-350 ms (measured/claimed, edjgeek.com); the prior is the top of that P50 range. */
const COLD_START_MS = 300;
/** Idle environment lifetime: not published by AWS; measured about 10 min (mikhail.io, 2019), the lower of the sources. */
const WARM_MS = 600_000;
/** Round trip to the Invoke API: no provider figure; measured 25 ms warm (Wang et al., 2018), 60 ms anecdotally: 40 ms chosen. */
const NETWORK_MS = 40;

/** The latency priors of a Lambda function with `memoryMb` of memory: a single-threaded task runs `1769 / memoryMb` times as long below 1,769 MB. */
export function lambdaLatencyProfile(memoryMb: number): RemoteLatencyProfile {
  return { coldStartMs: COLD_START_MS, speedFactor: Math.max(1, MB_PER_VCPU / memoryMb), warmMs: WARM_MS, networkMs: NETWORK_MS };
}
