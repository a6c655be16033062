// The cloud model's fleet state machine (infra/cloud-model/fleet.ts), pure:
// the same transitions the live front (cloud-model.test.ts) and the simulator run.
import { describe, expect, it } from 'vitest';
import { Fleet } from '../../infra/cloud-model/fleet.js';
import { gcfFleet, lambdaFleet } from '../../infra/cloud-model/params.js';
import { seededRandom } from '../../infra/simulate/random.js';
import { parseRemoteSpec } from '../../infra/simulate/remote-spec.js';
import { simulate } from '../../infra/simulate/simulate.js';

const quick = { networkMs: [0, 0], coldStartMs: [100, 100] } as const;

describe('Fleet', () => {
  it('starts a new environment per concurrent request and reuses the most recently idle one', () => {
    const fleet = new Fleet(lambdaFleet(quick), seededRandom(1));
    const first = fleet.admit(0);
    const second = fleet.admit(0);
    expect(first).toEqual({ kind: 'run', env: 0, cold: true, initMs: 100 });
    expect(second).toMatchObject({ kind: 'run', env: 1, cold: true });
    fleet.release(0, 10, 110);
    fleet.release(1, 20, 110);
    expect(fleet.admit(30)).toEqual({ kind: 'run', env: 1, cold: false, initMs: 0 });
    expect(fleet.state(30)).toMatchObject({ environments: 2, busy: 1, coldStarts: 2, invocations: 3 });
  });

  it('reclaims environments idle longer than warmMs', () => {
    const fleet = new Fleet(gcfFleet({ ...quick, warmMs: 1000 }), seededRandom(1));
    fleet.admit(0);
    fleet.release(0, 0, 100);
    expect(fleet.state(1000)).toMatchObject({ environments: 1, reclaimed: 0 });
    expect(fleet.state(1001)).toMatchObject({ environments: 0, reclaimed: 1 });
    expect(fleet.admit(1001)).toMatchObject({ kind: 'run', cold: true });
  });

  it("throttles new environments past Lambda's scaling rate and refills the bucket continuously", () => {
    const fleet = new Fleet(lambdaFleet({ ...quick, scaleEnvironments: 2, scalePerMs: 1000 }), seededRandom(1));
    expect(fleet.admit(0).kind).toBe('run');
    expect(fleet.admit(0).kind).toBe('run');
    expect(fleet.admit(0)).toEqual({ kind: 'throttled', reason: 'ScalingRateExceeded' });
    expect(fleet.admit(499).kind).toBe('throttled');
    expect(fleet.admit(500).kind).toBe('run');
    expect(fleet.state(500).throttled.ScalingRateExceeded).toBe(2);
  });

  it('queues at Cloud Run max instances, hands a freed instance over, and expires a wait into a 429', () => {
    const fleet = new Fleet(gcfFleet({ ...quick, maxConcurrency: 1 }), seededRandom(1));
    fleet.admit(0);
    const waiting = fleet.admit(1);
    const late = fleet.admit(2);
    expect(waiting).toEqual({ kind: 'queued', ticket: 0 });
    expect(fleet.expire(1)).toBe(true);
    expect(fleet.release(0, 50, 150)).toEqual({ ticket: 0, admission: { kind: 'run', env: 0, cold: false, initMs: 0 } });
    expect(late).toEqual({ kind: 'queued', ticket: 1 });
    expect(fleet.state(50)).toMatchObject({ queued: 0, busy: 1, throttled: { QueueTimeout: 1 } });
  });

  it('bills per ms with INIT on Lambda and per 100 ms on Cloud Functions', () => {
    const lambda = new Fleet(lambdaFleet({ memoryMb: 1024 }), seededRandom(1));
    lambda.release((lambda.admit(0) as { env: number }).env, 1, 121);
    expect(lambda.state(1).billedUsd).toBeCloseTo(0.0000002 + (121 * 0.0000166667) / 1000, 12);
    const gcf = new Fleet(gcfFleet(), seededRandom(1));
    gcf.release((gcf.admit(0) as { env: number }).env, 1, 121);
    expect(gcf.state(1).billedUsd).toBeCloseTo(0.0000004 + (200 * (0.000024 + 2 * 0.0000025)) / 1000, 12);
  });
});

describe('simulate on the cloud model', () => {
  it('fails a throttled overflow over to the local pool', () => {
    const trace = Array.from({ length: 6 }, () => ({ at: 0, task: 't', durationMs: 100 }));
    const setting = { localWorkers: 1, burst: { maxQueueDepth: 0 }, cost: {}, seed: 1 };
    const open = simulate(trace, { ...setting, remotes: [parseRemoteSpec('lambda:network=0,cold=0')] });
    const scaled = simulate(trace, { ...setting, remotes: [parseRemoteSpec('lambda:network=0,cold=0,scale=2')] });
    // Task 1 runs, task 2 queues (depth 0 is not over 0), tasks 3-6 overflow; with 2 environments' worth of scaling, 2 of them are throttled back.
    expect(open.tasksPerBackend).toEqual({ local: 2, lambda: 4 });
    expect(scaled.tasksPerBackend).toEqual({ local: 4, lambda: 2 });
    expect(scaled.coldStarts).toEqual({ lambda: 2 });
  });
});
