/**
 * Warm-instance isolation: whether a task left the obvious kind of shared
 * state behind, a changed `Object.prototype` (an own property added, removed
 * or redefined) or a new enumerable global. Other built-ins, non-enumerable
 * globals and reassigned existing globals are not checked (Node redefines
 * some of its lazy globals on first use).
 *
 * {@link quickDrift} runs after every task (tens of nanoseconds: an
 * enumerable property added to or a method replaced on `Object.prototype`);
 * {@link driftSince} is the full check (about 2 µs, most of it listing the
 * globals), run when the quick one fires and once per local chunk.
 */

/** What a worker or instance saw once its task module had loaded. */
export interface GlobalBaseline {
  prototypeKeys: (string | symbol)[];
  /** The data values of `prototypeKeys`, in order (`undefined` for accessors). */
  prototypeValues: unknown[];
  prototype: Map<string | symbol, PropertyDescriptor>;
  globals: Set<string>;
}

const PROTOTYPE = Object.prototype as Record<string | symbol, unknown>;

/** Takes the baseline: call it after the task module has loaded (its top level may add globals). */
export function takeBaseline(): GlobalBaseline {
  const prototypeKeys = Reflect.ownKeys(Object.prototype);
  const prototype = new Map(prototypeKeys.map((key) => [key, Object.getOwnPropertyDescriptor(Object.prototype, key) as PropertyDescriptor]));
  const prototypeValues = prototypeKeys.map((key) => prototype.get(key)?.value);
  return { prototypeKeys, prototypeValues, prototype, globals: new Set(Object.keys(globalThis)) };
}

/** True when `Object.prototype` has an enumerable property or a replaced or removed method: cheap enough for every task. */
export function quickDrift(baseline: GlobalBaseline): boolean {
  // Object.prototype has no enumerable properties of its own, so any key here was added.
  for (const _ in {}) return true;
  const { prototypeKeys, prototypeValues } = baseline;
  for (let index = 0; index < prototypeKeys.length; index++) {
    const value = prototypeValues[index];
    if (value !== undefined && PROTOTYPE[prototypeKeys[index]] !== value) return true;
  }
  return false;
}

function label(key: string | symbol): string {
  return typeof key === 'symbol' ? `[${String(key)}]` : `.${key}`;
}

function sameDescriptor(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  return a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable && a.enumerable === b.enumerable;
}

/** What changed since `baseline`, as `Object.prototype.x (added)` and the like; empty when nothing did. */
export function driftSince(baseline: GlobalBaseline): string[] {
  const changes: string[] = [];
  for (const key of Reflect.ownKeys(Object.prototype)) {
    const before = baseline.prototype.get(key);
    const now = Object.getOwnPropertyDescriptor(Object.prototype, key) as PropertyDescriptor;
    if (before === undefined) changes.push(`Object.prototype${label(key)} (added)`);
    else if (!sameDescriptor(before, now)) changes.push(`Object.prototype${label(key)} (changed)`);
  }
  for (const key of baseline.prototypeKeys) if (!Object.hasOwn(Object.prototype, key)) changes.push(`Object.prototype${label(key)} (removed)`);
  for (const key of Object.keys(globalThis)) if (!baseline.globals.has(key)) changes.push(`globalThis.${key} (added)`);
  return changes;
}
