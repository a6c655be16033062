// The example's task module: password hashing with scrypt (node:crypto), a
// CPU- and memory-heavy job. Plain JavaScript, so that the local workers load
// it as is; `spillway bundle` builds the same file into the Lambda and Cloud
// Functions bundles the emulators serve.
import { scrypt } from 'node:crypto';
import { offloadable } from 'spillway/task';
import * as z from 'zod';

/** Derives a 64-byte scrypt key from `password` and `salt` (cost N = 2^`log2Cost`) and returns it as hex. */
export const hashPassword = offloadable(
  {
    name: 'hashPassword',
    input: z.object({ password: z.string().min(1), salt: z.string().min(8), log2Cost: z.number().int().min(10).max(17) }),
    output: z.string().length(128),
    // Bounds each attempt: a remote attempt reserves this run time's price against the budget until it settles.
    timeoutMs: 10_000,
  },
  ({ password, salt, log2Cost }) =>
    new Promise((resolve, reject) => {
      const cost = 2 ** log2Cost;
      scrypt(password, salt, 64, { N: cost, r: 8, p: 1, maxmem: 256 * cost * 8 }, (error, key) => (error ? reject(error) : resolve(key.toString('hex'))));
    }),
);
