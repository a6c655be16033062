// Task logs on the local pool, through the public API: one `log` event per
// attempt (a retried task's attempts each deliver their own lines), a task's
// own `logs` over the offloader's, and what a task's leftover timers print
// while the next task runs on the same worker never lands in that task's lines.
import { afterEach, describe, expect, it } from 'vitest';
import { createOffloader, type LogOptions, type Offloader, type TaskLogInfo, type TaskRetryInfo } from '../../src/index.js';
import { leaveTimers, loud, quiet, shaky, talk } from '../fixtures/log-tasks.js';

const tasks = new URL('../fixtures/log-tasks.ts', import.meta.url);
const live: Offloader[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((offloader) => offloader.destroy()));
});

function create(logs?: LogOptions): { offloader: Offloader; events: TaskLogInfo[] } {
  const offloader = createOffloader({ tasks, local: { maxWorkers: 1 }, ...(logs === undefined ? {} : { logs }) });
  live.push(offloader);
  const events: TaskLogInfo[] = [];
  offloader.on('log', (info) => events.push(info));
  return { offloader, events };
}

describe('task logs on the local pool', () => {
  it('each attempt of a retried task delivers its own lines; the error of the retry event carries them', async () => {
    const { offloader, events } = create();
    const retries: TaskRetryInfo[] = [];
    offloader.on('retry', (info) => retries.push(info));
    let taskId = '';
    await expect(offloader.run(shaky, null, { onSuccess: (_, info) => (taskId = info.taskId) })).resolves.toBe(2);
    expect(events.map(({ taskId: id, attempt, backend, lines }) => ({ id, attempt, backend, texts: lines.map((line) => line.text) }))).toEqual([
      { id: taskId, attempt: 1, backend: 'local', texts: [`${taskId} attempt 1`] },
      { id: taskId, attempt: 2, backend: 'local', texts: [`${taskId} attempt 2`] },
    ]);
    expect(retries[0].error.logs?.lines.map((line) => line.text)).toEqual([`${taskId} attempt 1`]);
  });

  it('the own `logs` of a task win over those of the offloader, field by field', async () => {
    const { offloader, events } = create({ capture: false });
    const loudId = await offloader.run(loud, null);
    await offloader.run(quiet, null);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ taskId: loudId, truncated: true });
    expect(events[0].lines.map((line) => line.text)).toEqual([5, 6, 7, 8, 9].map((index) => `${loudId} ${index}`.padEnd(19, '.')));

    const defaults = create();
    await defaults.offloader.run(quiet, null);
    expect(defaults.events).toEqual([]);
  });

  it('what the timers of a returned task print while the next task runs on the same worker is in the lines of neither', async () => {
    const { offloader, events } = create({ capture: true });
    // Submitted together: the one worker holds the second while it runs the first, and starts it as soon as the first returns.
    const [first, second] = await Promise.all([offloader.run(leaveTimers, null), offloader.run(talk, 20)]);
    expect(events.find((info) => info.taskId === first)?.lines.map((line) => line.text)).toEqual([`${first} before return`]);
    expect(events.find((info) => info.taskId === second)?.lines.map((line) => line.text)).toEqual(
      Array.from({ length: 20 }, (_, index) => `${second} ${index}`),
    );
  });
});
