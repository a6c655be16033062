/**
 * The `hedge` option of a task (`offloadable({ hedge })`) and of a call
 * (`run(task, input, { hedge })`): its zod schema and its check. Only zod
 * and the error root, since `spillway/task` (and so every worker and
 * function bundle) loads it.
 */
import * as z from 'zod';
import { ValidationError } from './errors.js';
import { describeZodError, issuePath } from './zod-issues.js';

/**
 * Hedging of stragglers: when an attempt of an idempotent task has run past
 * the `afterPercentile`th percentile of that task's measured durations on
 * its backend, a backup attempt goes to another backend; the first result
 * wins and the other attempt is cancelled (and billed as it ran).
 */
export interface HedgeOptions {
  /** The percentile of the task's durations on the attempt's backend after which a backup is sent, above 0 and below 100 (95: the slowest 5%). */
  afterPercentile: number;
  /**
   * Most USD the backups of this task may cost in all, in this offloader
   * (billed backups plus the reservations of those in flight): a backup on
   * a remote that would pass it is not sent. Backups on the local pool cost 0.
   * @default no limit besides the `cost` budgets
   */
  maxExtraCost?: number;
}

/** Schema of {@link HedgeOptions}. */
export const HedgeOptionsSchema = z
  .object({
    afterPercentile: z.number().gt(0).lt(100),
    maxExtraCost: z.number().min(0).optional(),
  })
  .strict();

/**
 * The call's `hedge` option checked against the task it runs: `undefined`
 * when it is fine (absent, `false`, or valid on an idempotent task), else a
 * `ValidationError` naming the field and the fix.
 */
export function invalidCallHedge(hedge: unknown, task: { name: string; idempotent: boolean }): ValidationError | undefined {
  if (hedge === undefined || hedge === false) return undefined;
  const parsed = HedgeOptionsSchema.safeParse(hedge, { reportInput: true });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return new ValidationError(
      `Invalid \`hedge\` option for task "${task.name}": ${describeZodError('hedge', parsed.error)} (pass { afterPercentile: 95 }, or false for none)`,
      { path: first === undefined ? 'hedge' : issuePath('hedge', first) },
    );
  }
  if (!task.idempotent) return notIdempotentError(task.name);
  return undefined;
}

/** A `hedge` on a task that is not idempotent: a backup would run it twice. */
export function notIdempotentError(taskName: string): ValidationError {
  return new ValidationError(
    `Expected \`hedge\` only on an idempotent task, but task "${taskName}" has \`idempotent: false\`: a backup attempt would run it a second time. Drop \`hedge\`, or make the task idempotent`,
    { path: 'hedge' },
  );
}
