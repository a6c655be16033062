// offloader.timeline() on the local pool: the bound on attempts (the oldest
// are dropped and counted), `maxAttempts: 0` records nothing, the option is
// validated, and a task's retries are attempts of one task id.
import { describe, expect, it } from 'vitest';
import { createOffloader, ValidationError } from '../../src/index.js';
import { echo } from '../fixtures/remote-tasks.mjs';
import { alwaysFails } from '../fixtures/tasks.js';
import { downRemote } from '../support/down-remote.js';
import { tasksUrl } from '../support/helpers.js';

const tasks = new URL('../fixtures/remote-tasks.mjs', import.meta.url);

describe('offloader.timeline()', () => {
  it('keeps the last maxAttempts attempts, each with the worker that ran it, and counts the dropped ones', async () => {
    const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, timeline: { maxAttempts: 5 } });
    try {
      for (let index = 0; index < 8; index++) await offloader.run(echo, index);
      const timeline = offloader.timeline();
      expect(timeline.attempts).toHaveLength(5);
      expect(timeline.droppedAttempts).toBe(3);
      expect(timeline.attempts.every((attempt) => attempt.backend === 'local' && typeof attempt.workerId === 'number' && attempt.outcome === 'ok')).toBe(true);
      const ends = timeline.attempts.map((attempt) => attempt.endMs);
      expect(ends).toEqual([...ends].sort((a, b) => a - b));
      expect(JSON.parse(JSON.stringify(timeline))).toEqual(timeline);
    } finally {
      await offloader.close();
    }
  });

  it('records a task that throws and is retried (retries: 2) as attempts 1 to 3 of one task id, with a retry between', async () => {
    const offloader = createOffloader({ tasks: tasksUrl, local: { maxWorkers: 1 } });
    try {
      await expect(offloader.run(alwaysFails, null)).rejects.toThrow();
      const { attempts, retries } = offloader.timeline();
      const ids = new Set(attempts.map((attempt) => attempt.taskId));
      expect(ids.size).toBe(1);
      expect(attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3]);
      expect(attempts.map((attempt) => attempt.outcome).every((outcome) => outcome === 'ERR_TASK')).toBe(true);
      expect(retries).toHaveLength(attempts.length - 1);
    } finally {
      await offloader.close();
    }
  });

  it('records a failover from a remote to the local pool with the worker that answered', async () => {
    const down = downRemote(1);
    const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, remotes: [down], retry: { minDelayMs: 1, maxDelayMs: 2 } });
    try {
      await offloader.run(echo, 1, { placement: 'down' });
      const { attempts, retries } = offloader.timeline();
      expect(attempts.map(({ backend, outcome }) => [backend, outcome])).toEqual([
        ['down', 'ERR_BACKEND_HTTP_503'],
        ['local', 'ok'],
      ]);
      expect(typeof attempts[1].workerId).toBe('number');
      expect(retries).toMatchObject([{ backend: 'down', nextBackend: 'local', code: 'ERR_BACKEND_HTTP_503', attempt: 1 }]);
    } finally {
      await offloader.close();
    }
  });

  it('records nothing with maxAttempts: 0', async () => {
    const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, timeline: { maxAttempts: 0 } });
    try {
      await offloader.run(echo, 1);
      const timeline = offloader.timeline();
      expect(timeline.attempts).toEqual([]);
      expect(timeline.queue).toEqual([]);
    } finally {
      await offloader.close();
    }
  });

  it('refuses a maxAttempts that is not a whole number >= 0, naming the field', () => {
    expect(() => createOffloader({ tasks, timeline: { maxAttempts: -1 } })).toThrow(ValidationError);
    expect(() => createOffloader({ tasks, timeline: { maxAttempts: 1.5 } })).toThrow(/timeline\.maxAttempts/);
  });
});
