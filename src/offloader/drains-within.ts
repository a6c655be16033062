/** Waiting for an offloader to drain within `close()`'s deadline. */

/** Resolves with `true` once `idle` resolves, or with `false` when `timeoutMs` passes first (never, when it is `undefined`). */
export async function drainsWithin(idle: Promise<void>, timeoutMs: number | undefined): Promise<boolean> {
  if (timeoutMs === undefined) {
    await idle;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
  });
  try {
    return await Promise.race([idle.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
