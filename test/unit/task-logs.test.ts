// Task log capture in the shared runtime (spillway/contract), the one the
// local workers and both handlers run: two tasks that interleave in one
// thread never get each other's lines, what a task prints after it returned
// is nobody's, the bound holds, the local wire format carries the lines, and
// the envelope stays compatible with a handler or caller that predates `logs`.
import { describe, expect, it } from 'vitest';
import { packEnvelopes, packResults, toResultEnvelope, unpackEnvelopes, unpackResults } from '../../src/backends/local/wire-format.js';
import {
  createRuntime,
  createTaskRegistry,
  ENVELOPE_VERSION,
  MAX_LOG_BYTES,
  ResultEnvelope,
  serialize,
  TaskEnvelope,
  type TaskLogs,
} from '../../src/contract/index.js';
import { createOffloader, offloadable, ValidationError } from '../../src/index.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

// A platform console that bypasses process.stdout, as the Lambda runtime's does (it writes to its own log descriptor),
// installed before any capture starts, as a platform's is.
const platformOutput: string[] = [];
console.debug = (...args: unknown[]) => {
  platformOutput.push(args.join(' '));
};

const registry = createTaskRegistry({
  /** Prints through the platform's console. */
  platform: offloadable('platform', (count: number) => {
    console.debug('count is %d', count);
    return null;
  }),
  /** Prints `count` lines naming itself, one per event-loop turn, half through the raw stream. */
  talk: offloadable('talk', async ({ count }: { count: number }, { taskId }) => {
    for (let index = 0; index < count; index++) {
      if (index % 2 === 0) console.info(`${taskId}:${index}`);
      else process.stderr.write(`${taskId}:${index}\n`);
      await tick();
    }
    return taskId;
  }),
  /** Returns at once, leaving a timer that prints later. */
  leaveTimer: offloadable('leaveTimer', (delayMs: number, { taskId }) => {
    console.log(`${taskId}:before`);
    setTimeout(() => console.log(`${taskId}:after return`), delayMs);
    return taskId;
  }),
  /** Prints `count` lines of `width` characters, or one unterminated write of `width` characters when count is 0. */
  flood: offloadable('flood', ({ count, width }: { count: number; width: number }) => {
    if (count === 0) process.stdout.write('é'.repeat(width));
    for (let index = 0; index < count; index++) console.log(`${String(index).padStart(4, '0')}${'y'.repeat(width - 4)}`);
    return null;
  }),
});
const runtime = createRuntime(registry, { bundleHash: 'hash' });

let sequence = 0;
/** An envelope for `task`; `maxBytes` null: it does not ask for capture. */
function envelope(task: string, input: unknown, maxBytes: number | null = 65_536): TaskEnvelope {
  const logs = maxBytes === null ? {} : { logs: { maxBytes } };
  return { version: ENVELOPE_VERSION, id: `t-${++sequence}`, task, bundleHash: 'hash', attempt: 1, input: serialize(input, 'input'), ...logs };
}

const bytesOf = (logs: TaskLogs) => logs.lines.reduce((sum, line) => sum + Buffer.byteLength(line.text) + 1, 0);

describe('task log capture in the runtime', () => {
  it('two tasks interleaving in one thread each get exactly their own lines, in order, with stream and time', async () => {
    const first = envelope('talk', { count: 6 });
    const second = envelope('talk', { count: 5 });
    const [a, b] = await Promise.all([runtime.execute(first), runtime.execute(second)]);
    for (const [result, sent, count] of [
      [a, first, 6],
      [b, second, 5],
    ] as const) {
      expect(result.ok).toBe(true);
      expect(result.logs?.truncated).toBe(false);
      expect(result.logs?.lines.map((line) => line.text)).toEqual(Array.from({ length: count }, (_, index) => `${sent.id}:${index}`));
      expect(result.logs?.lines.map((line) => line.stream)).toEqual(Array.from({ length: count }, (_, index) => (index % 2 === 0 ? 'stdout' : 'stderr')));
      for (const line of result.logs?.lines ?? []) expect(typeof line.at).toBe('number');
    }
  });

  it('what a task prints after it returned goes to nobody, not to the task running then', async () => {
    const early = await runtime.execute(envelope('leaveTimer', 5));
    const later = envelope('talk', { count: 40 });
    const result = await runtime.execute(later);
    expect(early.logs?.lines.map((line) => line.text)).toEqual([`${early.id}:before`]);
    expect(result.logs?.lines.every((line) => line.text.startsWith(`${later.id}:`))).toBe(true);
  });

  it('a console call that reaches no stream (a platform console) is captured from its arguments, and still reaches the platform', async () => {
    const result = await runtime.execute(envelope('platform', 3));
    expect(result.logs?.lines.map(({ stream, text }) => [stream, text])).toEqual([['stdout', 'count is 3']]);
    expect(platformOutput).toEqual(['count is %d 3']);
  });

  it('an envelope without `logs` captures nothing; a task that prints nothing returns no `logs`', async () => {
    expect(await runtime.execute(envelope('talk', { count: 2 }, null))).not.toHaveProperty('logs');
    expect(await runtime.execute(envelope('talk', { count: 0 }))).not.toHaveProperty('logs');
  });

  it('keeps the last lines within maxBytes and marks the drop as truncated', async () => {
    const result = await runtime.execute(envelope('flood', { count: 100, width: 1_000 }, 65_536));
    const logs = result.logs as TaskLogs;
    expect(logs.truncated).toBe(true);
    expect(bytesOf(logs)).toBeLessThanOrEqual(65_536);
    expect(logs.lines.length).toBe(65);
    expect(logs.lines.at(-1)?.text.startsWith('0099')).toBe(true);
    expect(logs.lines[0].text.startsWith('0035')).toBe(true);
  });

  it('keeps the tail of one over-long unterminated write, whole characters only', async () => {
    const result = await runtime.execute(envelope('flood', { count: 0, width: 2_000 }, 1_001));
    const logs = result.logs as TaskLogs;
    expect(logs.truncated).toBe(true);
    expect(bytesOf(logs)).toBeLessThanOrEqual(1_001);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0].text).toBe('é'.repeat(500));
  });

  it('the local wire format carries the request and the lines, for results that succeeded and failed', () => {
    const sent = [envelope('talk', { count: 1 }, 100), envelope('talk', { count: 1 }, null)];
    expect(unpackEnvelopes(packEnvelopes(sent))).toEqual(sent);
    // The chunk's shared request (its first envelope's), and envelopes that differ from it, with and without trace headers.
    const traced = { ...envelope('talk', { count: 1 }, 100), headers: { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` } };
    const mixed = [envelope('talk', 1, 100), envelope('talk', 2, 100), envelope('talk', 3, 200), envelope('talk', 4, null), traced];
    expect(unpackEnvelopes(packEnvelopes(mixed))).toEqual(mixed);
    expect(unpackEnvelopes(packEnvelopes([envelope('talk', 1, null), envelope('talk', 2, 100), traced]))).toEqual([
      expect.not.objectContaining({ logs: expect.anything() }),
      expect.objectContaining({ logs: { maxBytes: 100 } }),
      traced,
    ]);
    // Sent once per chunk, not once per envelope.
    const [, , items, shared] = JSON.parse(packEnvelopes(mixed.slice(0, 2))) as [number, string, unknown[][], number];
    expect(shared).toBe(100);
    expect(items.map((item) => item.length)).toEqual([5, 5]);
    const logs: TaskLogs = { lines: [{ stream: 'stderr', text: 'hi', at: 1 }], truncated: true };
    const results: ResultEnvelope[] = [
      { version: ENVELOPE_VERSION, id: 'a', ok: true, output: '[1]', durationMs: 1, logs },
      { version: ENVELOPE_VERSION, id: 'b', ok: false, kind: 'task', error: { name: 'Error', message: 'x' }, durationMs: 2, logs },
      { version: ENVELOPE_VERSION, id: 'c', ok: true, output: '[2]', durationMs: 3 },
    ];
    const unpacked = unpackResults(packResults(results));
    expect(unpacked.map((packed, index) => packed && toResultEnvelope(results[index].id, packed))).toEqual(results);
  });
});

describe('the `logs` fields are compatible both ways', () => {
  it('a handler of the previous envelope schema (no `logs`) accepts an envelope that asks for capture', () => {
    const previous = TaskEnvelope.omit({ logs: true });
    const parsed = previous.safeParse(envelope('talk', { count: 1 }));
    expect(parsed.success).toBe(true);
    expect(parsed.data).not.toHaveProperty('logs');
  });

  it('a result without `logs` (a previous handler) parses; malformed `logs` are dropped, never fail the result', () => {
    const base = { version: ENVELOPE_VERSION, id: 'a', ok: true, output: '[1]', durationMs: 1 };
    expect(ResultEnvelope.parse(base)).toEqual(base);
    expect(ResultEnvelope.parse({ ...base, logs: { lines: 'nope' } }).logs).toBeUndefined();
  });

  it('an envelope asking for more than MAX_LOG_BYTES drops the request rather than failing the task', () => {
    const parsed = TaskEnvelope.parse({ ...envelope('talk', { count: 1 }), logs: { maxBytes: MAX_LOG_BYTES + 1 } });
    expect(parsed.logs).toBeUndefined();
  });
});

describe('the `logs` option', () => {
  it('refuses a maxBytes outside 1..MAX_LOG_BYTES, naming the field', () => {
    const tasks = new URL('../fixtures/tasks.ts', import.meta.url);
    for (const maxBytes of [0, MAX_LOG_BYTES + 1, 1.5]) {
      let error: unknown;
      try {
        createOffloader({ tasks, logs: { maxBytes } });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).path).toBe('logs.maxBytes');
    }
  });
});
