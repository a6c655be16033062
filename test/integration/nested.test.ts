import { describe, expect, it } from 'vitest';
import { digest, nested } from '../fixtures/tasks.js';
import { offloaders } from '../support/helpers.js';

const create = offloaders();

describe('nested tasks', () => {
  it('a task that calls another task inline runs on a single worker without deadlock', async () => {
    const offloader = create({ maxWorkers: 1 });
    const expected = await digest({ text: 'nested', rounds: 2 });
    await expect(offloader.run(nested, 'nested')).resolves.toBe(expected);
  });

  it('several nested tasks queued on a single worker all finish', async () => {
    const offloader = create({ maxWorkers: 1 });
    const texts = ['a', 'b', 'c', 'd', 'e'];
    const expected = await Promise.all(texts.map((text) => digest({ text, rounds: 2 })));
    await expect(Promise.all(texts.map((text) => offloader.run(nested, text)))).resolves.toEqual(expected);
    await expect(offloader.map(nested, texts)).resolves.toEqual(expected);
  });
});
