/**
 * The default priors of the scheduler's latency prediction for a Cloud Run
 * function, from `../shared/cloud-facts.md` (sections 2 and 3), each then
 * learned from the function's answers.
 */
import type { RemoteLatencyProfile } from '../../src/scheduler/types.js';

/** Node.js cold start: Google publishes none; measured 2-7 s, about 3 s typical (Cloud Run, 1 vCPU, 2024). */
const COLD_START_MS = 3000;
/** Idle instance lifetime: not published; measured 3 min to 5+ h (1st gen): the lower figure. */
const WARM_MS = 180_000;
/** Round trip: no provider figure; measured 79 ms warm (Google, Wang et al., 2018). */
const NETWORK_MS = 80;

/** The latency priors of a function instance with `vcpu` vCPUs: below one vCPU a task runs `1 / vcpu` times as long. */
export function cloudFunctionsLatencyProfile(vcpu: number): RemoteLatencyProfile {
  return { coldStartMs: COLD_START_MS, speedFactor: Math.max(1, 1 / vcpu), warmMs: WARM_MS, networkMs: NETWORK_MS };
}
