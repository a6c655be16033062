// The demo's task module, in plain JavaScript so that the local workers, the
// Functions Framework server and the Lambda emulator all load it unchanged.
import { createHash } from 'node:crypto';
import { offloadable } from 'spillway/task';
import * as z from 'zod';

/** SHA-256 applied `rounds` times: a small, CPU-bound job. */
export const digest = offloadable(
  { name: 'digest', input: z.object({ text: z.string(), rounds: z.number().int().min(1) }), output: z.string() },
  ({ text, rounds }) => {
    let hex = text;
    for (let round = 0; round < rounds; round++) hex = createHash('sha256').update(hex).digest('hex');
    return hex;
  },
);
