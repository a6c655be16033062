/**
 * The arrival trace format, JSONL: one task a line,
 * `{ "at": <ms since the trace started>, "task": "<name>", "durationMs": <measured local run ms> }`,
 * in any order (parsed sorted by `at`, stable). Blank lines are skipped.
 */
import { ValidationError } from '../../src/errors.js';
import type { TraceArrival } from './types.js';

function finiteAtLeastZero(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Parses a JSONL trace; throws a `ValidationError` naming the line of the first bad record. */
export function parseTrace(jsonl: string): TraceArrival[] {
  const arrivals: TraceArrival[] = [];
  const lines = jsonl.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '') continue;
    const where = `trace line ${index + 1}`;
    let record: Partial<Record<keyof TraceArrival, unknown>>;
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      throw new ValidationError(`Expected ${where} to be one JSON object, got ${JSON.stringify(line.slice(0, 80))}`, { path: where });
    }
    const { at, task, durationMs } = record ?? {};
    if (!finiteAtLeastZero(at) || typeof task !== 'string' || !finiteAtLeastZero(durationMs)) {
      throw new ValidationError(`Expected ${where} to be { "at": ms >= 0, "task": name, "durationMs": ms >= 0 }, got ${line.slice(0, 120)}`, { path: where });
    }
    arrivals.push({ at, task, durationMs });
  }
  return arrivals.sort((a, b) => a.at - b.at);
}
