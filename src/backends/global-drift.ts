/**
 * Worker side of warm-worker isolation: after each task the worker checks
 * whether the task left the obvious kind of shared state behind, a changed
 * `Object.prototype` (an own property added, removed or redefined) or a new
 * enumerable global, and if so retires itself (see `worker.ts`). Other
 * built-ins, non-enumerable globals and changes to existing globals are not
 * checked (Node redefines some of its lazy globals on first use).
 */

/** What the worker saw once its task module had loaded. */
export interface GlobalBaseline {
  prototypeKeys: (string | symbol)[];
  prototype: Map<string | symbol, PropertyDescriptor>;
  globals: Set<string>;
}

/** Takes the baseline: call it after the task module has loaded (its top level may add globals). */
export function takeBaseline(): GlobalBaseline {
  const prototypeKeys = Reflect.ownKeys(Object.prototype);
  const prototype = new Map(prototypeKeys.map((key) => [key, Object.getOwnPropertyDescriptor(Object.prototype, key) as PropertyDescriptor]));
  return { prototypeKeys, prototype, globals: new Set(Object.keys(globalThis)) };
}

function label(key: string | symbol): string {
  return typeof key === 'symbol' ? `[${String(key)}]` : `.${key}`;
}

function sameDescriptor(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  return a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable && a.enumerable === b.enumerable;
}

/** What changed since `baseline`, as `Object.prototype.x (added)` and the like; empty when nothing did. About 1 µs. */
export function driftSince(baseline: GlobalBaseline): string[] {
  const changes: string[] = [];
  const keys = Reflect.ownKeys(Object.prototype);
  for (const key of keys) {
    const before = baseline.prototype.get(key);
    const now = Object.getOwnPropertyDescriptor(Object.prototype, key) as PropertyDescriptor;
    if (before === undefined) changes.push(`Object.prototype${label(key)} (added)`);
    else if (!sameDescriptor(before, now)) changes.push(`Object.prototype${label(key)} (changed)`);
  }
  if (keys.length - changes.filter((change) => change.endsWith('(added)')).length < baseline.prototypeKeys.length) {
    for (const key of baseline.prototypeKeys) if (!Object.hasOwn(Object.prototype, key)) changes.push(`Object.prototype${label(key)} (removed)`);
  }
  for (const key of Object.keys(globalThis)) if (!baseline.globals.has(key)) changes.push(`globalThis.${key} (added)`);
  return changes;
}
