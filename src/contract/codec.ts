/**
 * The value codec: JSON plus Date, BigInt, Map, Set, undefined, NaN/Infinity,
 * -0, typed arrays, ArrayBuffer and Buffer, encoded with devalue (chosen over
 * superjson and seroval: see bench/codec-compare.ts). Values that cannot
 * cross a boundary are refused before encoding with a SerializationError
 * that names the path.
 */
import { stringify, unflatten } from 'devalue';
import { SerializationError } from '../errors.js';
import { type BinaryParts, binaryReducer, binaryReviver } from './binary.js';
import { assertDecodable } from './decode-bounds.js';
import { elementBudget, MAX_ARRAY_LENGTH, MAX_VALUE_DEPTH, MAX_VALUE_ELEMENTS } from './value-limits.js';

/** Binary leaves inlined as base64 (see `binary.ts`): the form of every network envelope. */
const reducers = { Bin: binaryReducer(undefined, false) };
const revivers = { Bin: binaryReviver(undefined) };

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

/** What one walk of {@link check} has seen so far. */
interface Walk {
  ancestors: Set<object>;
  /** Elements reached so far, shared references each time (see `MAX_VALUE_ELEMENTS`). */
  elements: number;
}

/** Runs `read`, turning whatever it throws (a getter, a Proxy trap) into a SerializationError at `path`. */
function guarded<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    const message = error instanceof Error ? error.message : 'a non-error value';
    throw new SerializationError(`Cannot serialize \`${path}\`: reading it threw (${message}). Pass plain data without throwing getters or Proxy traps.`, {
      path,
      cause: error,
    });
  }
}

function checkArray(array: unknown[], path: string, walk: Walk, depth: number): void {
  const length = array.length;
  if (length > MAX_ARRAY_LENGTH) {
    refuse(path, `an array of length ${length}, over the cap of ${MAX_ARRAY_LENGTH} elements (MAX_ARRAY_LENGTH)`, 'Split the work into smaller inputs.');
  }
  let index = 0;
  try {
    for (; index < length; index++) {
      const item = array[index];
      const type = typeof item;
      // Plain primitives need no path: counted here, without building one per element.
      if ((type === 'object' && item !== null) || type === 'function' || type === 'symbol' || walk.elements >= MAX_VALUE_ELEMENTS)
        check(item, `${path}[${index}]`, walk, depth);
      else walk.elements++;
    }
  } catch (error) {
    const itemPath = `${path}[${index}]`;
    guarded(itemPath, () => {
      throw error;
    });
  }
}

function checkObject(object: object, path: string, walk: Walk, depth: number, tag: string): void {
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
  for (const key of Object.keys(object)) {
    const childPath = keyPath(path, key);
    check(
      guarded(childPath, () => (object as Record<string, unknown>)[key]),
      childPath,
      walk,
      depth,
    );
  }
}

function checkContainer(object: object, path: string, walk: Walk, depth: number): void {
  if (depth > MAX_VALUE_DEPTH) {
    refuse(path, `nested deeper than the depth cap of ${MAX_VALUE_DEPTH} levels (MAX_VALUE_DEPTH)`, 'Flatten the structure.');
  }
  if (Array.isArray(object)) checkArray(object, path, walk, depth);
  else if (object instanceof Map) {
    let index = 0;
    for (const [key, entry] of object) {
      check(key, `${path}.<key ${index}>`, walk, depth);
      check(entry, `${path}.get(${typeof key === 'string' ? JSON.stringify(key) : `<key ${index}>`})`, walk, depth);
      index++;
    }
  } else if (object instanceof Set) {
    let index = 0;
    for (const entry of object) check(entry, `${path}.<entry ${index++}>`, walk, depth);
  } else checkObject(object, path, walk, depth, Object.prototype.toString.call(object));
}

function check(value: unknown, path: string, walk: Walk, parentDepth: number): void {
  if (++walk.elements > MAX_VALUE_ELEMENTS) {
    refuse(path, `past the cap of ${MAX_VALUE_ELEMENTS} elements in one value (MAX_VALUE_ELEMENTS)`, 'Split the work into smaller inputs.');
  }
  const type = typeof value;
  if (type === 'function' || type === 'symbol') {
    refuse(path, describe(value), 'Only data can cross to a worker or a remote: pass a value, not a function or symbol.');
  }
  if (type !== 'object' || value === null) return;
  const object = value as object;
  const { ancestors } = walk;
  if (ancestors.has(object)) {
    refuse(path, 'a reference back to one of its own ancestors (a cycle)', 'Break the cycle, for example by passing ids instead of parent links.');
  }
  if (ArrayBuffer.isView(object)) return;
  const tag = guarded(path, () => Object.prototype.toString.call(object));
  if (DATA_TAGS.has(tag)) return;
  ancestors.add(object);
  guarded(path, () => checkContainer(object, path, walk, parentDepth + 1));
  ancestors.delete(object);
}

/**
 * Throws a {@link SerializationError} naming the first path below `rootPath`
 * that holds a function, a symbol, a class instance or a cycle. Shared,
 * non-cyclic references are allowed (devalue keeps them shared).
 */
export function assertSerializable(value: unknown, rootPath: string): void {
  walkValue(value, rootPath);
}

/** Checks `value` and answers how many elements it expands to. */
function walkValue(value: unknown, rootPath: string): number {
  const walk: Walk = { ancestors: new Set(), elements: 0 };
  check(value, rootPath, walk, 0);
  return walk.elements;
}

/** Encodes a checked value to the wire string. Call {@link assertSerializable} first. */
export function encodeValue(value: unknown): string {
  return stringify(value, reducers);
}

/** A value encoded for a thread boundary: the text, and its binary leaves beside it (see {@link serializeParts}). */
export interface EncodedParts {
  text: string;
  /** Present when the value holds binary leaves. */
  binary: BinaryParts | undefined;
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
  return encodeChecked(value, rootPath, false, false).text;
}

/**
 * Checks and encodes `value` for a thread boundary: like {@link serialize},
 * but the bytes of binary leaves stay out of the text, in `binary`, to be
 * posted by structured clone. With `transfer`, the buffers of leaves that
 * span a whole `ArrayBuffer` are listed to be moved (the caller's copies are
 * then detached). With `once` (a value posted once, such as a result), the
 * copies spillway makes of partial views are listed to be moved too.
 */
export function serializeParts(value: unknown, rootPath: string, transfer = false, once = false): EncodedParts {
  return encodeChecked(value, rootPath, true, transfer, once);
}

function encodeChecked(value: unknown, rootPath: string, outOfBand: boolean, transfer: boolean, once = false): EncodedParts {
  const primitive = encodeJsonPrimitive(value);
  if (primitive !== undefined) return { text: primitive, binary: undefined };
  const elements = walkValue(value, rootPath);
  const parts: BinaryParts | undefined = outOfBand ? { views: [], transfer: [] } : undefined;
  let text: string;
  try {
    text = parts === undefined ? stringify(value, reducers) : stringify(value, { Bin: binaryReducer(parts, transfer, once) });
  } catch (error) {
    const path = (error as { path?: string }).path ?? '';
    throw new SerializationError(`Cannot serialize \`${rootPath}${path}\`: ${(error as Error).message}`, {
      path: `${rootPath}${path}`,
      cause: error,
    });
  }
  // Bytes beside the text count as encoded size, as they do when inlined as base64.
  let encodedLength = text.length;
  for (const view of parts?.views ?? []) encodedLength += view.byteLength;
  const budget = elementBudget(encodedLength);
  if (elements > budget) {
    refuse(
      rootPath,
      `a value that expands to ${elements} elements from ${encodedLength} encoded characters, over the budget of ${budget} that decoders accept (sparse arrays or one part referenced many times)`,
      'Send the data densely, or each shared part once.',
    );
  }
  return { text, binary: parts !== undefined && parts.views.length > 0 ? parts : undefined };
}

/**
 * Decodes a wire string made by {@link encodeValue}. The flat form is checked
 * against the caps of `value-limits.ts` before anything is revived; a value
 * over them, or text that is no encoding, throws a {@link SerializationError}
 * whose path starts with `rootPath`. `binary` holds the parts of a value
 * encoded by {@link serializeParts}.
 */
export function deserialize(text: string, rootPath = 'value', binary?: readonly Uint8Array[]): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SerializationError(`Cannot decode \`${rootPath}\`: it is no JSON (${(error as Error).message})`, { path: rootPath, cause: error });
  }
  // A lone JSON primitive is its own value in devalue's format (the mirror of encodeJsonPrimitive).
  if (Array.isArray(parsed) && parsed.length === 1) {
    const root: unknown = parsed[0];
    if (root === null || typeof root === 'string' || typeof root === 'boolean' || typeof root === 'number') return root;
  }
  if (Array.isArray(parsed)) assertDecodable(parsed, text.length, rootPath);
  try {
    return unflatten(parsed as number | unknown[], binary === undefined ? revivers : { Bin: binaryReviver(binary) });
  } catch (error) {
    throw new SerializationError(`Cannot decode \`${rootPath}\`: ${(error as Error).message}`, { path: rootPath, cause: error });
  }
}
