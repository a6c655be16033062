// Large outputs from the local pool (issue 13, break 7): a worker's replies
// used to travel as one JSON text, so an output that JSON escapes heavily
// (200 MB of `"`) or two 300 MB outputs of one chunk passed V8's longest
// string and failed with ERR_WORKER_CRASHED "Invalid string length".
import { describe, expect, it } from 'vitest';
import { repeatChar } from '../fixtures/tasks.js';
import { offloaders } from '../support/helpers.js';

const create = offloaders();

/** True when `text` is `length` copies of `char` (checked without building another huge string). */
function isRepeat(text: unknown, char: string, length: number): boolean {
  if (typeof text !== 'string' || text.length !== length) return false;
  for (let index = 0; index < length; index += 997) if (text[index] !== char) return false;
  return text[length - 1] === char;
}

describe('large outputs of local tasks', () => {
  it('returns a 200 MB output of `"` characters', async () => {
    const offloader = create({ maxWorkers: 1 });
    const output = await offloader.run(repeatChar, { char: '"', length: 200 * 2 ** 20 });
    expect(isRepeat(output, '"', 200 * 2 ** 20)).toBe(true);
  }, 120_000);

  it('returns two 300 MB outputs of one worker, submitted together', async () => {
    const offloader = create({ maxWorkers: 1 });
    const input = { char: 'x', length: 300 * 2 ** 20 };
    const outputs = await offloader.map(repeatChar, [input, input], { chunkSize: 2 });
    expect(outputs.map((output) => isRepeat(output, 'x', input.length))).toEqual([true, true]);
  }, 120_000);
});
