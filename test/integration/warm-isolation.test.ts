// Warm-instance isolation (issue 13, part 3, and the `Object.prototype.timeoutMs`
// break of break 7): a task that changes Object.prototype or adds an
// enumerable global retires its local worker (reported as an `error` event
// with ERR_WORKER_TAINTED, counted in stats), and no handler reads a
// polluted prototype as an envelope field. The GCF part runs the real
// Functions Framework on 127.0.0.1 over the built handler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaHandler } from '../../adapters/aws-lambda/handler.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { deserialize } from '../../src/contract/index.js';
import { BackendError, type LateFaultInfo } from '../../src/index.js';
import { cooperative, inherits, pollute, sleep } from '../fixtures/tasks.js';
import { envelopeOf, remoteEnvelope } from '../support/envelopes.js';
import { type FunctionsFrameworkServer, GCF_TEST_ENTRY, startFunctionsFramework } from '../support/functions-framework.js';
import { offloaders } from '../support/helpers.js';

const create = offloaders();

describe('a local task that leaves shared globals changed', () => {
  it('Object.prototype.timeoutMs = 1: the worker is replaced, later tasks neither inherit it nor time out, and it is reported', async () => {
    const offloader = create({ maxWorkers: 1 });
    const reports: LateFaultInfo[] = [];
    let culpritId = '';
    offloader.on('error', (info) => reports.push(info));
    offloader.on('success', (info) => {
      if (info.taskName === 'pollute') culpritId = info.taskId;
    });
    await expect(offloader.run(pollute, { key: 'timeoutMs' })).resolves.toEqual({ sawProbe: false });
    await expect(offloader.run(cooperative, 50)).resolves.toMatchObject({ aborted: false });
    await expect(offloader.run(inherits, 'timeoutMs')).resolves.toEqual({ prototype: false, global: false });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ taskName: 'pollute', taskId: culpritId, backend: 'local' });
    expect(reports[0].error).toBeInstanceOf(BackendError);
    expect(reports[0].error.code).toBe('ERR_WORKER_TAINTED');
    expect(reports[0].error.message).toContain('Object.prototype.timeoutMs (added)');
    expect(offloader.stats().local.recycledWorkers).toBe(1);
    expect(offloader.stats().local.workerFaults).toBe(0);
  });

  it('the attempts after a polluter run on a fresh worker', async () => {
    const offloader = create({ maxWorkers: 1 });
    const reports: LateFaultInfo[] = [];
    offloader.on('error', (info) => reports.push(info));
    // One worker, one map: the polluter runs first, the probes after it.
    const inputs = [{ key: 'leakedKey' }, { probe: 'leakedKey' }, { probe: 'leakedKey' }, { probe: 'leakedKey' }];
    await expect(offloader.map(pollute, inputs)).resolves.toEqual(Array(4).fill({ sawProbe: false }));
    expect(reports.map((report) => report.error.message)).toEqual([expect.stringContaining('Object.prototype.leakedKey (added)')]);
    expect(offloader.stats().local.recycledWorkers).toBe(1);
  });

  it('a new enumerable global: reported, and later tasks do not see it', async () => {
    const offloader = create({ maxWorkers: 1 });
    const reports: LateFaultInfo[] = [];
    offloader.on('error', (info) => reports.push(info));
    await offloader.run(pollute, { global: 'leakedGlobal' });
    await expect(offloader.run(inherits, 'leakedGlobal')).resolves.toEqual({ prototype: false, global: false });
    expect(reports).toHaveLength(1);
    expect(reports[0].error.code).toBe('ERR_WORKER_TAINTED');
    expect(reports[0].error.message).toContain('globalThis.leakedGlobal (added)');
    expect(offloader.stats().local.recycledWorkers).toBe(1);
  });

  it('a task that changes nothing keeps its worker', async () => {
    const offloader = create({ maxWorkers: 1 });
    await offloader.map(sleep, [1, 1, 1, 1]);
    expect(offloader.stats().local.recycledWorkers).toBe(0);
  });
});

describe('handlers read envelopes from own fields only', () => {
  it('Lambda: after a task sets Object.prototype.timeoutMs = 1, a later envelope still has no timeout', async () => {
    const handler = createLambdaHandler({ pollute, cooperative }, { bundleHash: 'h' });
    try {
      const first = await handler(envelopeOf('pollute', { key: 'timeoutMs' }, { bundleHash: 'h' }));
      expect(first.ok).toBe(true);
      const second = await handler(envelopeOf('cooperative', 50, { bundleHash: 'h' }));
      expect(second.ok).toBe(true);
      if (second.ok) expect(deserialize(second.output)).toMatchObject({ aborted: false });
    } finally {
      delete (Object.prototype as Record<string, unknown>).timeoutMs;
    }
  });

  describe('Cloud Functions (Functions Framework server)', () => {
    let server: FunctionsFrameworkServer;
    beforeAll(async () => {
      server = await startFunctionsFramework({ source: GCF_TEST_ENTRY });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('a later request on the polluted instance keeps its own timeout, and the instance logs the change', async () => {
      const gcf = cloudFunctions({ url: server.url, auth: 'none' });
      const polluted = await gcf.invoke(remoteEnvelope('pollute', { key: 'timeoutMs', value: 1 }));
      expect(polluted.ok).toBe(true);
      const later = await gcf.invoke(remoteEnvelope('sleep', 100));
      expect(later).toMatchObject({ ok: true });
      expect(server.output()).toContain('left this instance changed: Object.prototype.timeoutMs (added)');
      await gcf.destroy();
    });
  });
});
