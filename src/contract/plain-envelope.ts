/**
 * The runtime's fast check of an envelope: spillway's own callers send a
 * plain object whose fields the schema would keep as they are, and checking
 * that by hand costs a fraction of the schema's parse (which also copies the
 * object). Anything else (an unknown or missing field, a value of the wrong
 * type or range, a `payloadRef`, an object with a prototype of its own) goes
 * to the schema, which decides and says what is wrong.
 */
import { ENVELOPE_VERSION, type TaskEnvelope } from './envelope.js';
import { MAX_LOG_BYTES, MAX_TIMEOUT_MS } from './platform.js';

const nonEmptyString = (value: unknown): boolean => typeof value === 'string' && value.length > 0;

function stringRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) if (typeof (value as Record<string, unknown>)[key] !== 'string') return false;
  return true;
}

function logsOption(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  const { maxBytes } = value as { maxBytes?: unknown };
  return keys.length === 1 && Number.isInteger(maxBytes) && (maxBytes as number) >= 1 && (maxBytes as number) <= MAX_LOG_BYTES;
}

/** The check of each field the fast path takes, as the schema states it; a field not listed (such as `payloadRef`) goes to the schema. */
const FIELDS: Readonly<Record<string, (value: unknown) => boolean>> = {
  version: (value) => value === ENVELOPE_VERSION,
  id: nonEmptyString,
  task: nonEmptyString,
  bundleHash: nonEmptyString,
  attempt: (value) => Number.isInteger(value) && (value as number) >= 1,
  input: (value) => typeof value === 'string',
  timeoutMs: (value) => value === undefined || (typeof value === 'number' && value > 0 && value <= MAX_TIMEOUT_MS),
  headers: (value) => value === undefined || stringRecord(value),
  logs: (value) => value === undefined || logsOption(value),
};

/** Fields every envelope has. */
const REQUIRED = ['version', 'id', 'task', 'bundleHash', 'attempt', 'input'];

/**
 * `raw` itself when it is a plain object (prototype `Object.prototype`) that
 * the schema would accept unchanged; `undefined` when the schema must decide.
 */
export function plainEnvelope(raw: unknown): TaskEnvelope | undefined {
  if (typeof raw !== 'object' || raw === null || Object.getPrototypeOf(raw) !== Object.prototype) return undefined;
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!Object.hasOwn(FIELDS, key) || !FIELDS[key](record[key])) return undefined;
  for (const key of REQUIRED) if (!Object.hasOwn(record, key)) return undefined;
  return record as unknown as TaskEnvelope;
}
