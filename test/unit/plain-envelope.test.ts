// The runtime's fast check of envelopes must never accept what the schema
// would change or refuse: for each case, either it hands the case to the
// schema (undefined), or the schema's parse equals the object it accepted.
import { describe, expect, it } from 'vitest';
import { TaskEnvelope } from '../../src/contract/envelope.js';
import { plainEnvelope } from '../../src/contract/plain-envelope.js';
import { MAX_LOG_BYTES, MAX_TIMEOUT_MS } from '../../src/contract/platform.js';

const base = { version: 1, id: 't-1', task: 'echo', bundleHash: 'abc', attempt: 1, input: '[1]' };

const accepted: Record<string, unknown>[] = [
  base,
  { ...base, timeoutMs: 1_000 },
  { ...base, timeoutMs: MAX_TIMEOUT_MS },
  { ...base, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } },
  { ...base, headers: {} },
  { ...base, logs: { maxBytes: 65_536 } },
  { ...base, logs: { maxBytes: MAX_LOG_BYTES }, timeoutMs: 5, headers: { a: 'b' } },
  { ...base, timeoutMs: undefined },
];

const toSchema: unknown[] = [
  null,
  'envelope',
  [],
  {},
  { ...base, version: 2 },
  { ...base, id: '' },
  { ...base, task: 7 },
  { ...base, bundleHash: '' },
  { ...base, attempt: 0 },
  { ...base, attempt: 1.5 },
  { ...base, input: 1 },
  { ...base, timeoutMs: 0 },
  { ...base, timeoutMs: MAX_TIMEOUT_MS + 1 },
  { ...base, timeoutMs: '5' },
  { ...base, headers: { traceparent: 5 } },
  { ...base, headers: 'traceparent' },
  { ...base, logs: { maxBytes: 0 } },
  { ...base, logs: { maxBytes: MAX_LOG_BYTES + 1 } },
  { ...base, logs: { maxBytes: 10, extra: true } },
  { ...base, extra: 'stripped by the schema' },
  { ...base, payloadRef: { outputUrl: 'http://127.0.0.1/o', outputOverBytes: 1 } },
  { ...base, toString: 'own field named like a prototype method' },
  Object.assign(Object.create(null), base),
  Object.assign(Object.create({ inherited: true }), base),
  (() => {
    const { input: _input, ...rest } = base;
    return rest;
  })(),
];

describe('plainEnvelope', () => {
  it.each(accepted.map((envelope) => [JSON.stringify(envelope), envelope]))('takes %s as the schema would parse it', (_label, envelope) => {
    const fast = plainEnvelope(envelope);
    expect(fast).toBe(envelope);
    const parsed = TaskEnvelope.safeParse(envelope);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(fast);
  });

  it.each(toSchema.map((value, index) => [index, value]))('leaves case %i to the schema', (_index, value) => {
    expect(plainEnvelope(value)).toBeUndefined();
  });
});
