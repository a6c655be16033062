/**
 * Errors as data. A task's error keeps `name`, `message`, `stack`, `code`,
 * the `cause` chain and its own enumerable fields across every boundary;
 * the caller rebuilds it as the matching {@link OffloadError} subclass.
 */
import {
  type OffloadError,
  type OffloadErrorCode,
  PayloadTooLargeError,
  PayloadTransferError,
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

/** Runs `read`; whatever it throws (a getter, a Proxy trap) yields `fallback` instead. */
function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** `String(value)`, or a description when even that throws (a null-prototype object, a throwing `toString`). */
function describeValue(value: unknown): string {
  return safely(
    () => String(value),
    safely(() => `[${Object.prototype.toString.call(value).slice(8, -1)} that cannot be converted to a string]`, '[a value that cannot be described]'),
  );
}

function encodeLoose(value: unknown): string {
  return safely(
    () => {
      assertSerializable(value, 'value');
      return encodeValue(value);
    },
    encodeValue(describeValue(value)),
  );
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** The task's own enumerable fields besides the standard ones, each as data or as its `String()` form. */
function encodeFields(error: Error): string | undefined {
  const keys = safely(() => Object.keys(error), [] as string[]);
  const fields: Record<string, unknown> = {};
  let hasFields = false;
  for (const key of keys) {
    if (STANDARD_KEYS.has(key) || key === '__proto__') continue;
    const value = safely(() => (error as unknown as Record<string, unknown>)[key], '[a getter that threw]' as unknown);
    fields[key] = safely(() => {
      assertSerializable(value, key);
      return value;
    }, describeValue(value));
    hasFields = true;
  }
  return hasFields ? safely(() => encodeValue(fields), undefined) : undefined;
}

function encodeErrorObject(error: Error, depth: number): EncodedError {
  const encoded: EncodedError = {
    name: stringOr(
      safely(() => error.name, undefined),
      'Error',
    ),
    message: stringOr(
      safely(() => error.message, undefined),
      '',
    ),
  };
  const stack = safely(() => error.stack, undefined);
  if (typeof stack === 'string') encoded.stack = stack;
  const code = safely(() => (error as { code?: unknown }).code, undefined);
  if (code !== undefined) encoded.code = describeValue(code);
  const path = safely(() => (error as { path?: unknown }).path, undefined);
  if (typeof path === 'string') encoded.path = path;
  const fields = encodeFields(error);
  if (fields !== undefined) encoded.fields = fields;
  const cause = safely(() => error.cause, undefined);
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    encoded.cause = safely(() => cause instanceof Error, false) ? encodeError(cause, depth + 1) : { value: encodeLoose(cause) };
  }
  return encoded;
}

/**
 * Turns any thrown value into data; it never throws. Fields that cannot be
 * serialized travel as their `String()` form, and parts that cannot even be
 * read (a throwing getter or Proxy trap) as a placeholder.
 */
export function encodeError(error: unknown, depth = 0): EncodedError {
  try {
    if (!safely(() => error instanceof Error, false)) {
      const message = typeof error === 'string' ? error : `Non-error value thrown: ${describeValue(error)}`;
      return { name: 'NonError', message, fields: encodeLoose({ value: error }) };
    }
    return encodeErrorObject(error as Error, depth);
  } catch {
    return { name: 'Error', message: 'The task threw a value that could not be read' };
  }
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
    case 'payload-transfer': {
      const fields = encoded.fields === undefined ? {} : (deserialize(encoded.fields) as { status?: number });
      const code = encoded.code === 'ERR_PAYLOAD_URL_EXPIRED' ? 'ERR_PAYLOAD_URL_EXPIRED' : 'ERR_PAYLOAD_TRANSFER';
      error = new PayloadTransferError(encoded.message, { ...common, code, ...(typeof fields.status === 'number' ? { status: fields.status } : {}) });
      break;
    }
    case 'payload-too-large': {
      const fields = encoded.fields === undefined ? {} : (deserialize(encoded.fields) as Record<string, number>);
      error = new PayloadTooLargeError(encoded.message, { ...common, sizeBytes: fields.sizeBytes ?? 0, limitBytes: fields.limitBytes ?? 0 });
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
