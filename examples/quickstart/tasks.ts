// The task module: imported by the app (for types and inline calls) and by
// every worker thread, which runs the tasks by name.
import { createHash } from 'node:crypto';
import { offloadable } from 'spillway/task';
import * as z from 'zod';

/** SHA-256 applied `rounds` times: a small, CPU-bound job. */
export const digest = offloadable(
  { name: 'digest', input: z.object({ text: z.string(), rounds: z.number().int().min(1) }), output: z.string() },
  async ({ text, rounds }) => {
    let hex = text;
    for (let round = 0; round < rounds; round++) hex = createHash('sha256').update(hex).digest('hex');
    return hex;
  },
);
