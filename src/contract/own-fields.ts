/**
 * Reading envelopes immune to prototype pollution: a task may have added a
 * property to `Object.prototype` on a warm worker or instance, and a plain
 * object read through the prototype chain would see it as a field of every
 * later envelope (`Object.prototype.timeoutMs = 1` would time out every
 * later task there).
 */

/**
 * A copy of `value`'s own enumerable string-keyed fields on a null-prototype
 * object, so a missing field reads `undefined` whatever `Object.prototype`
 * holds. Anything but a plain object or a null-prototype object comes back
 * unchanged (arrays, primitives, null: the schema refuses them).
 */
export function ownFields<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return Object.assign(Object.create(null) as object, value) as T;
}
