// The app's task module, as a user writes it: tasks wrapped with offloadable(),
// schemas from zod, and a local helper (./helper.ts) the bundle includes.
import { setTimeout as sleep } from 'node:timers/promises';
import { offloadable } from 'spillway/task';
import * as z from 'zod';
import { greeting } from './helper.js';

/** Greets by name, with the helper's wording. */
export const greet = offloadable({ name: 'greet', input: z.object({ name: z.string() }), output: z.string() }, ({ name }) => greeting(name));

/** Squares a number: a task too small to measure, for many calls at once. */
export const square = offloadable('square', (n: number) => n * n);

/** Squares a number after `ms` milliseconds: a task that keeps a worker busy, so a burst overflows. */
export const slowSquare = offloadable(
  { name: 'slowSquare', input: z.object({ n: z.number(), ms: z.number().int().min(0) }), output: z.number() },
  async ({ n, ms }) => {
    await sleep(ms);
    return n * n;
  },
);
