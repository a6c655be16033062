/**
 * Parses `--remote` specs into {@link RemoteModel}s: `lambda[:key=value,...]`
 * or `gcf[:key=value,...]`. Keys: `name`, `memory` (MB), `cpu` (vCPUs, gcf),
 * `concurrency`, `network` and `cold` (ms, `min-max` or one value), `warm`
 * (ms), `speed` (run time factor), `usdPerSecond` (run time price).
 *
 * Defaults and where they come from (../shared/cloud-facts.md):
 * - lambda: 1,024 MB; speed 1,769 / memory (one vCPU at 1,769 MB), at least
 *   1; $0.0000166667 per GB-s billed per ms, $0.20 per million requests
 *   (x86_64 us-east-1); INIT billed (since 2025-08-01); cold 200-1,000 ms
 *   (Node.js p50 to p99 reported); network 20-60 ms (chosen: no provider
 *   figure); warm 10 min (measured, not published); concurrency 1,000.
 * - gcf (Cloud Run functions): 1 vCPU, 2,048 MB; speed 1 / cpu, at least 1;
 *   $0.000024 per vCPU-s + $0.0000025 per GiB-s billed per 100 ms including
 *   startup, $0.40 per million; cold 400-1,200 ms and network 40-80 ms (the
 *   issue's benchmark figures); warm 10 min; concurrency 100 (one request per
 *   instance).
 */
import { ValidationError } from '../../src/errors.js';
import type { RemoteModel } from './types.js';

const KEYS = new Set(['name', 'memory', 'cpu', 'concurrency', 'network', 'cold', 'warm', 'speed', 'usdPerSecond']);
const WARM_MS = 600_000;

function fail(spec: string, what: string): never {
  throw new ValidationError(`Expected \`--remote ${spec}\` to be lambda|gcf[:key=value,...] (${what})`, { path: 'remote' });
}

function range(spec: string, key: string, value: string | undefined, fallback: [number, number]): [number, number] {
  if (value === undefined) return fallback;
  const match = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(value);
  if (match === null) fail(spec, `${key} must be ms or min-max ms, got "${value}"`);
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (max < min) fail(spec, `${key} min must not exceed max, got "${value}"`);
  return [min, max];
}

function number(spec: string, key: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) fail(spec, `${key} must be a number > 0, got "${value}"`);
  return parsed;
}

function fields(spec: string, rest: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of rest === '' ? [] : rest.split(',')) {
    const index = pair.indexOf('=');
    const key = pair.slice(0, index);
    if (index <= 0 || !KEYS.has(key)) fail(spec, `unknown or malformed "${pair}"; keys: ${[...KEYS].join(', ')}`);
    map.set(key, pair.slice(index + 1));
  }
  return map;
}

/** Parses one `--remote` spec. */
export function parseRemoteSpec(spec: string): RemoteModel {
  const colon = spec.indexOf(':');
  const kind = colon === -1 ? spec : spec.slice(0, colon);
  if (kind !== 'lambda' && kind !== 'gcf') fail(spec, `kind must be lambda or gcf, got "${kind}"`);
  const map = fields(spec, colon === -1 ? '' : spec.slice(colon + 1));
  const get = (key: string) => map.get(key);
  const lambda = kind === 'lambda';
  const memory = number(spec, 'memory', get('memory'), lambda ? 1024 : 2048);
  const cpu = number(spec, 'cpu', get('cpu'), 1);
  const usdPerSecond = lambda ? (memory / 1024) * 0.0000166667 : cpu * 0.000024 + (memory / 1024) * 0.0000025;
  return {
    name: get('name') ?? kind,
    maxConcurrency: Math.floor(number(spec, 'concurrency', get('concurrency'), lambda ? 1000 : 100)),
    speedFactor: number(spec, 'speed', get('speed'), Math.max(1, lambda ? 1769 / memory : 1 / cpu)),
    networkMs: range(spec, 'network', get('network'), lambda ? [20, 60] : [40, 80]),
    coldStartMs: range(spec, 'cold', get('cold'), lambda ? [200, 1000] : [400, 1200]),
    warmMs: number(spec, 'warm', get('warm'), WARM_MS),
    usdPerMs: number(spec, 'usdPerSecond', get('usdPerSecond'), usdPerSecond) / 1000,
    usdPerRequest: lambda ? 0.0000002 : 0.0000004,
    billingIncrementMs: lambda ? 1 : 100,
    billsInit: true,
  };
}
