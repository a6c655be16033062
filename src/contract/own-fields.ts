/**
 * Reading envelopes immune to prototype pollution: a task may have added a
 * property to `Object.prototype` on a warm worker or instance, and a plain
 * object read through the prototype chain would see it as a field of every
 * later envelope (`Object.prototype.timeoutMs = 1` would time out every
 * later task there).
 */

/** True when `Object.prototype` (or its chain) has a property named like one of `keys`: reading a missing one of them would find it. */
export function prototypeShadows(keys: readonly string[]): boolean {
  for (let index = 0; index < keys.length; index++) if (keys[index] in Object.prototype) return true;
  return false;
}

/**
 * A copy of `value`'s own enumerable string-keyed fields on a null-prototype
 * object, so a missing field reads `undefined` whatever `Object.prototype`
 * holds. Anything but a plain object or a null-prototype object comes back
 * unchanged (arrays, primitives, null: the schema refuses them).
 * Copying is only needed while {@link prototypeShadows} is true for the
 * fields read; callers check that first (a copy costs about a microsecond).
 */
export function ownFields<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.assign(Object.create(null) as object, value) as T;
}
