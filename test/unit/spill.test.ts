// The caller's side of payloads by reference (src/backends/spill.ts, through
// spillway/contract) against an in-memory payload store: when an input
// spills, what the envelope carries, the hard cap, and the storage cost.
import { describe, expect, it } from 'vitest';
import { encodeFrame, inlineBinary } from '../../src/contract/binary-frame.js';
import { deserialize, serializeParts } from '../../src/contract/codec.js';
import { decodeFrame } from '../../src/contract/frame-reader.js';
import { ENVELOPE_VERSION, type PayloadStore, prepareEnvelope, type ResultEnvelope, type SpillLimits, type TaskEnvelope } from '../../src/contract/index.js';
import { PayloadTooLargeError, PayloadTransferError } from '../../src/index.js';

function memoryStore(
  options: { spillOverBytes?: number; maxObjectBytes?: number; failPut?: boolean } = {},
): PayloadStore & { objects: Map<string, string | Uint8Array> } {
  const objects = new Map<string, string | Uint8Array>();
  return {
    kind: 'memory',
    objects,
    ...(options.spillOverBytes === undefined ? {} : { spillOverBytes: options.spillOverBytes }),
    maxObjectBytes: options.maxObjectBytes ?? 1024 * 1024,
    urlExpiryMarginMs: 1000,
    pricing: { usdPerWrite: 1, usdPerRead: 0.1 },
    keyOf: (taskId, attempt, part) => `${taskId}/${attempt}/${part}`,
    async put(key, body) {
      if (options.failPut === true) throw new Error('bucket is gone');
      objects.set(key, body);
    },
    get: async (key) => {
      const body = objects.get(key) ?? '';
      return typeof body === 'string' ? new TextEncoder().encode(body) : body;
    },
    delete: async (key) => {
      objects.delete(key);
    },
    signGetUrl: async (key, seconds) => `https://bucket.test/${key}?get&expires=${seconds}`,
    signPutUrl: async (key, seconds) => `https://bucket.test/${key}?put&expires=${seconds}`,
  };
}

const envelope = (input: string): TaskEnvelope => ({ version: ENVELOPE_VERSION, id: 't1', task: 'echo', bundleHash: 'h', attempt: 1, input });
const limits = (store: PayloadStore | undefined): SpillLimits => ({
  backend: 'remote',
  store,
  requestLimitBytes: 10_000,
  responseLimitBytes: 200_000,
  limitSource: 'test',
  deadlineMs: 4_000,
});

describe('prepareEnvelope', () => {
  it('sends a small input inline with a PUT URL for a large output, living the deadline plus the margin', async () => {
    const store = memoryStore();
    const prepared = await prepareEnvelope(envelope('small'), limits(store));
    const sent = JSON.parse(prepared.json) as TaskEnvelope;
    expect(sent.input).toBe('small');
    expect(sent.payloadRef).toEqual({
      outputUrl: 'https://bucket.test/t1/1/output?put&expires=5',
      outputOverBytes: 200_000 - 64 * 1024,
      frames: true,
      maxOutputBytes: 1024 * 1024,
    });
    expect(store.objects.size).toBe(0);
  });

  it('uploads an input over the limit, sends its GET URL, downloads a by-reference output and deletes both', async () => {
    const store = memoryStore();
    const usd: number[] = [];
    const input = 'x'.repeat(20_000);
    const prepared = await prepareEnvelope(envelope(input), limits(store), (cost) => usd.push(cost));
    const sent = JSON.parse(prepared.json) as TaskEnvelope;
    expect(sent.input).toBe('');
    expect(sent.payloadRef?.inputUrl).toBe('https://bucket.test/t1/1/input?get&expires=5');
    expect(store.objects.get('t1/1/input')).toBe(input);
    store.objects.set('t1/1/output', 'the output');
    const answer: ResultEnvelope = { version: ENVELOPE_VERSION, id: 't1', ok: true, output: '', outputByReference: true, durationMs: 1 };
    await expect(prepared.receive(answer)).resolves.toEqual({ version: ENVELOPE_VERSION, id: 't1', ok: true, output: 'the output', durationMs: 1 });
    await prepared.cleanup(answer);
    expect(store.objects.size).toBe(0);
    // Two writes and two reads: the input's PUT and GET, the output's PUT and GET.
    expect(usd).toEqual([2.2]);
  });

  it('spills an input over spillOverBytes even when it fits inline', async () => {
    const prepared = await prepareEnvelope(envelope('y'.repeat(500)), limits(memoryStore({ spillOverBytes: 100 })));
    expect((JSON.parse(prepared.json) as TaskEnvelope).payloadRef?.inputUrl).toBeDefined();
  });

  it('refuses an input over maxObjectBytes with PayloadTooLargeError, uploading nothing', async () => {
    const store = memoryStore({ maxObjectBytes: 15_000 });
    const error = await prepareEnvelope(envelope('z'.repeat(20_000)), limits(store)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ sizeBytes: 20_000, limitBytes: 15_000, backend: 'remote' });
    expect(store.objects.size).toBe(0);
  });

  it('without a store refuses an envelope over the limit with PayloadTooLargeError', async () => {
    await expect(prepareEnvelope(envelope('z'.repeat(20_000)), limits(undefined))).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('turns a failed upload into a retryable PayloadTransferError naming the store', async () => {
    const error = await prepareEnvelope(envelope('z'.repeat(20_000)), limits(memoryStore({ failPut: true }))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadTransferError);
    expect(error).toMatchObject({ code: 'ERR_PAYLOAD_TRANSFER', retryable: true });
    expect((error as Error).message).toContain('memory payload store');
  });
});

describe('prepareEnvelope with binary leaves beside the input', () => {
  const binaryEnvelope = (value: unknown): TaskEnvelope => {
    const { text, binary } = serializeParts(value, 'input');
    return { ...envelope(text), ...(binary === undefined ? {} : { binary }) };
  };
  const value = { bytes: new Uint8Array(30_000).fill(7), numbers: new Float64Array([1.5, -0, Number.NaN]), zero: 0 };

  it('spills them as one binary frame of raw bytes, not base64', async () => {
    const store = memoryStore();
    const prepared = await prepareEnvelope(binaryEnvelope(value), limits(store));
    const sent = JSON.parse(prepared.json) as TaskEnvelope;
    expect(sent.input).toBe('');
    expect(sent).not.toHaveProperty('binary');
    const object = store.objects.get('t1/1/input') as Uint8Array;
    expect(object).toBeInstanceOf(Uint8Array);
    // 30,000 + 24 raw bytes and a small header; base64 alone would be 40,000.
    expect(object.byteLength).toBeLessThan(31_000);
    const { text, views } = decodeFrame(object);
    expect(deserialize(text, 'input', views)).toEqual(value);
  });

  it('inlines small ones as base64, exactly as serialize writes them', async () => {
    const small = { bytes: new Uint8Array([1, 2, 3]), again: 0, kind: 'Uint8Array' };
    const prepared = await prepareEnvelope(binaryEnvelope(small), limits(memoryStore()));
    const sent = JSON.parse(prepared.json) as TaskEnvelope;
    expect(sent).not.toHaveProperty('binary');
    expect(deserialize(sent.input, 'input')).toEqual(small);
    // The part number 0 shares its entry with `again: 0`: the base64 goes to an entry of its own.
    expect(inlineBinary(serializeParts(small, 'input').text, [new Uint8Array([1, 2, 3])])).toBe(
      '[{"bytes":1,"again":4,"kind":3},["Bin",2],[3,5],"Uint8Array",0,"AQID"]',
    );
  });

  it('reads back a framed output and an uploaded failure', async () => {
    const store = memoryStore();
    const prepared = await prepareEnvelope(binaryEnvelope('small'), limits(store));
    const { text, binary } = serializeParts(value, 'output');
    store.objects.set('t1/1/output', encodeFrame(text, binary?.views ?? []));
    const answer: ResultEnvelope = { version: ENVELOPE_VERSION, id: 't1', ok: true, output: '', outputByReference: true, durationMs: 1 };
    const received = await prepared.receive(answer);
    expect(received.ok && deserialize(received.output, 'output', received.binary?.views)).toEqual(value);
    const failure = { error: { name: 'Error', message: 'm'.repeat(100_000) }, logs: { lines: [{ stream: 'stdout', text: 'hi', at: 1 }], truncated: false } };
    store.objects.set('t1/1/output', JSON.stringify(failure));
    const standIn: ResultEnvelope = {
      version: ENVELOPE_VERSION,
      id: 't1',
      ok: false,
      kind: 'task',
      error: { name: 'Error', message: 'mmm' },
      durationMs: 1,
      errorByReference: true,
    };
    await expect(prepared.receive(standIn)).resolves.toEqual({ version: ENVELOPE_VERSION, id: 't1', ok: false, kind: 'task', durationMs: 1, ...failure });
  });
});

describe('binary frames', () => {
  it('keep every section at a multiple of 8 bytes and refuse truncated input', () => {
    const frame = encodeFrame('["x"]', [new Uint8Array(3).fill(1), new Uint8Array(16).fill(2)]);
    expect(frame.byteLength % 8).toBe(0);
    const { views } = decodeFrame(frame);
    expect(views.map((view) => [...view])).toEqual([[1, 1, 1], Array(16).fill(2)]);
    expect(() => decodeFrame(frame.subarray(0, frame.byteLength - 8))).toThrow(/runs past its end/);
    expect(() => decodeFrame(new TextEncoder().encode('["not a frame"]'))).toThrow(/SPWF/);
  });
});
