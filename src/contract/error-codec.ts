/**
 * Errors as data. A task's error keeps `name`, `message`, `stack`, `code`,
 * the `cause` chain and its own enumerable fields across every boundary;
 * the caller rebuilds it as the matching {@link OffloadError} subclass.
 */
import {
  type OffloadError,
  type OffloadErrorCode,
  placeError,
  SerializationError,
  StaleBundleError,
  TaskError,
  type TaskPlacement,
  TimeoutError,
  ValidationError,
} from '../errors.js';
import { assertSerializable, deserialize, encodeValue } from './codec.js';
import type { EncodedError, ErrorKind } from './envelope.js';

const STANDARD_KEYS = new Set(['name', 'message', 'stack', 'code', 'cause', 'path']);
const MAX_CAUSE_DEPTH = 8;

function encodeLoose(value: unknown): string {
  try {
    assertSerializable(value, 'value');
    return encodeValue(value);
  } catch {
    return encodeValue(String(value));
  }
}

/** Turns any thrown value into data. Fields that cannot be serialized travel as their `String()` form. */
export function encodeError(error: unknown, depth = 0): EncodedError {
  if (!(error instanceof Error)) {
    return { name: 'NonError', message: typeof error === 'string' ? error : `Non-error value thrown: ${String(error)}`, fields: encodeLoose({ value: error }) };
  }
  const encoded: EncodedError = { name: error.name, message: error.message };
  if (error.stack !== undefined) encoded.stack = error.stack;
  const { code, path } = error as { code?: unknown; path?: unknown };
  if (code !== undefined) encoded.code = String(code);
  if (typeof path === 'string') encoded.path = path;
  const fields: Record<string, unknown> = {};
  let hasFields = false;
  for (const key of Object.keys(error)) {
    if (STANDARD_KEYS.has(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    try {
      assertSerializable(value, key);
      fields[key] = value;
    } catch {
      fields[key] = String(value);
    }
    hasFields = true;
  }
  if (hasFields) encoded.fields = encodeValue(fields);
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    encoded.cause = error.cause instanceof Error ? encodeError(error.cause, depth + 1) : { value: encodeLoose(error.cause) };
  }
  return encoded;
}

function restoreFields(target: Error, encoded: EncodedError): void {
  if (encoded.stack !== undefined) target.stack = encoded.stack;
  if (encoded.fields !== undefined) {
    const fields = deserialize(encoded.fields) as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) {
      if (!(key in target) || Object.hasOwn(target, key)) (target as unknown as Record<string, unknown>)[key] = value;
    }
  }
}

function decodeCause(encoded: EncodedError): unknown {
  const cause = encoded.cause;
  if (cause === undefined) return undefined;
  if ('value' in cause) return deserialize(cause.value);
  return decodePlainError(cause);
}

/** Rebuilds a plain `Error` (used for causes) with the original name and fields. */
function decodePlainError(encoded: EncodedError): Error {
  const cause = decodeCause(encoded);
  const error = new Error(encoded.message, cause === undefined ? undefined : { cause });
  error.name = encoded.name;
  if (encoded.code !== undefined) (error as Error & { code: string }).code = encoded.code;
  restoreFields(error, encoded);
  return error;
}

/**
 * Rebuilds the caller-side error for a failed attempt: a {@link TaskError}
 * carrying the original's name and fields for task errors, or the matching
 * spillway error class for the other kinds.
 */
export function decodeError(kind: ErrorKind, encoded: EncodedError, placement: TaskPlacement): OffloadError {
  const cause = decodeCause(encoded);
  const common = { ...placement, cause, ...(encoded.path === undefined ? {} : { path: encoded.path }) };
  let error: OffloadError;
  switch (kind) {
    case 'task': {
      error = new TaskError(encoded.message, { ...common, code: encoded.code ?? 'ERR_TASK' });
      error.name = encoded.name;
      restoreFields(error, encoded);
      return placeError(error, placement);
    }
    case 'validation':
    case 'bad-envelope':
      // The code a remote runtime sent; spillway's runtimes send only OffloadErrorCode values here.
      error = new ValidationError(encoded.message, { ...common, code: encoded.code as OffloadErrorCode | undefined });
      break;
    case 'unknown-task':
      error = new ValidationError(encoded.message, { ...common, code: 'ERR_UNKNOWN_TASK' });
      break;
    case 'serialization':
      error = new SerializationError(encoded.message, { ...common, path: encoded.path ?? '' });
      break;
    case 'stale-bundle': {
      const fields = encoded.fields === undefined ? {} : (deserialize(encoded.fields) as Record<string, string>);
      error = new StaleBundleError(encoded.message, { ...common, expectedHash: fields.expectedHash ?? '', actualHash: fields.actualHash ?? '' });
      break;
    }
    case 'timeout': {
      const fields = encoded.fields === undefined ? {} : (deserialize(encoded.fields) as Record<string, number>);
      error = new TimeoutError(encoded.message, { ...common, timeoutMs: fields.timeoutMs ?? 0 });
      break;
    }
  }
  if (encoded.stack !== undefined) error.stack = encoded.stack;
  return error;
}
