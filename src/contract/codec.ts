/**
 * The value codec: JSON plus Date, BigInt, Map, Set, undefined, NaN/Infinity,
 * -0, typed arrays, ArrayBuffer and Buffer, encoded with devalue (chosen over
 * superjson and seroval: see bench/codec-compare.ts). Values that cannot
 * cross a boundary are refused before encoding with a SerializationError
 * that names the path.
 */
import { stringify, unflatten } from 'devalue';
import { SerializationError } from '../errors.js';

const reducers = {
  Buffer: (value: unknown) => Buffer.isBuffer(value) && value.toString('base64'),
};
const revivers = {
  Buffer: (base64: string) => Buffer.from(base64, 'base64'),
};

/** Plain-data prototypes and built-ins that devalue encodes faithfully. */
const DATA_TAGS = new Set(['[object Date]', '[object RegExp]', '[object URL]', '[object URLSearchParams]', '[object ArrayBuffer]', '[object DataView]']);

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol') return `a symbol (${value.description ?? ''})`;
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor ? `an instance of ${ctor}` : 'an object with an unusual prototype';
}

function refuse(path: string, what: string, fix: string): never {
  throw new SerializationError(`Cannot serialize \`${path}\`: it is ${what}. ${fix}`, { path });
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function check(value: unknown, path: string, ancestors: Set<object>): void {
  const type = typeof value;
  if (type === 'function' || type === 'symbol') {
    refuse(path, describe(value), 'Only data can cross to a worker or a remote: pass a value, not a function or symbol.');
  }
  if (type !== 'object' || value === null) return;
  const object = value as object;
  if (ancestors.has(object)) {
    refuse(path, 'a reference back to one of its own ancestors (a cycle)', 'Break the cycle, for example by passing ids instead of parent links.');
  }
  if (ArrayBuffer.isView(object)) return;
  const tag = Object.prototype.toString.call(object);
  if (DATA_TAGS.has(tag)) return;
  ancestors.add(object);
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) check(object[index], `${path}[${index}]`, ancestors);
  } else if (object instanceof Map) {
    let index = 0;
    for (const [key, entry] of object) {
      check(key, `${path}.<key ${index}>`, ancestors);
      check(entry, `${path}.get(${typeof key === 'string' ? JSON.stringify(key) : `<key ${index}>`})`, ancestors);
      index++;
    }
  } else if (object instanceof Set) {
    let index = 0;
    for (const entry of object) check(entry, `${path}.<entry ${index++}>`, ancestors);
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null && tag !== '[object Number]' && tag !== '[object String]' && tag !== '[object Boolean]') {
      refuse(
        path,
        describe(object),
        'Pass plain data (objects, arrays, Map, Set, Date, typed arrays), for example a copy made with a spread or a toJSON() result.',
      );
    }
    if (Object.getOwnPropertySymbols(object).length > 0) {
      refuse(path, 'an object with symbol keys', 'Use string keys.');
    }
    for (const key of Object.keys(object)) check((object as Record<string, unknown>)[key], keyPath(path, key), ancestors);
  }
  ancestors.delete(object);
}

/**
 * Throws a {@link SerializationError} naming the first path below `rootPath`
 * that holds a function, a symbol, a class instance or a cycle. Shared,
 * non-cyclic references are allowed (devalue keeps them shared).
 */
export function assertSerializable(value: unknown, rootPath: string): void {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function' || typeof value === 'symbol') check(value, rootPath, new Set());
    return;
  }
  check(value, rootPath, new Set());
}

/** Encodes a checked value to the wire string. Call {@link assertSerializable} first. */
export function encodeValue(value: unknown): string {
  return stringify(value, reducers);
}

/**
 * Strings, booleans, null and finite numbers other than -0 encode in devalue's
 * format as a one-element JSON array; writing that directly skips devalue's
 * bookkeeping for the most common task inputs. devalue parses it as usual.
 */
function encodeJsonPrimitive(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify([value]);
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? `[${value}]` : undefined;
    case 'object':
      return value === null ? '[null]' : undefined;
    default:
      return undefined;
  }
}

/** Checks and encodes `value`; errors name paths below `rootPath` (e.g. `input`). */
export function serialize(value: unknown, rootPath: string): string {
  const primitive = encodeJsonPrimitive(value);
  if (primitive !== undefined) return primitive;
  assertSerializable(value, rootPath);
  try {
    return encodeValue(value);
  } catch (error) {
    const path = (error as { path?: string }).path ?? '';
    throw new SerializationError(`Cannot serialize \`${rootPath}${path}\`: ${(error as Error).message}`, {
      path: `${rootPath}${path}`,
      cause: error,
    });
  }
}

/** Decodes a wire string made by {@link encodeValue}. */
export function deserialize(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  // A lone JSON primitive is its own value in devalue's format (the mirror of encodeJsonPrimitive).
  if (Array.isArray(parsed) && parsed.length === 1) {
    const root: unknown = parsed[0];
    if (root === null || typeof root === 'string' || typeof root === 'boolean' || typeof root === 'number') return root;
  }
  return unflatten(parsed as number | unknown[], revivers);
}
