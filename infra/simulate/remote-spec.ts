/**
 * Parses `--remote` specs into {@link RemoteModel}s: `lambda[:key=value,...]`
 * or `gcf[:key=value,...]`. Keys: `name`, `memory` (MB), `cpu` (vCPUs, gcf),
 * `concurrency`, `network` and `cold` (ms, `min-max` or one value), `warm`
 * (ms), `speed` (run time factor), `scale` (new environments per 10 s),
 * `usdPerSecond` (run time price). The defaults are the cloud model's
 * (infra/cloud-model/params.ts, with the published figures they come from),
 * so the simulator and the live model front describe the same fleet.
 */
import { ValidationError } from '../../src/errors.js';
import { type FleetParams, gcfFleet, lambdaFleet } from '../cloud-model/params.js';
import type { RemoteModel } from './types.js';

const KEYS = new Set(['name', 'memory', 'cpu', 'concurrency', 'network', 'cold', 'warm', 'speed', 'scale', 'usdPerSecond']);

function fail(spec: string, what: string): never {
  throw new ValidationError(`Expected \`--remote ${spec}\` to be lambda|gcf[:key=value,...] (${what})`, { path: 'remote' });
}

function range(spec: string, key: string, value: string): [number, number] {
  const match = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(value);
  if (match === null) fail(spec, `${key} must be ms or min-max ms, got "${value}"`);
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (max < min) fail(spec, `${key} min must not exceed max, got "${value}"`);
  return [min, max];
}

function number(spec: string, key: string, value: string): number {
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

/** The overrides a spec's keys give, beside memory, cpu and price. */
function overrides(spec: string, map: Map<string, string>): Partial<FleetParams> {
  const result: Partial<FleetParams> = {};
  const value = (key: string) => map.get(key);
  const name = value('name');
  if (name !== undefined) result.name = name;
  const concurrency = value('concurrency');
  if (concurrency !== undefined) result.maxConcurrency = Math.floor(number(spec, 'concurrency', concurrency));
  const network = value('network');
  if (network !== undefined) result.networkMs = range(spec, 'network', network);
  const cold = value('cold');
  if (cold !== undefined) result.coldStartMs = range(spec, 'cold', cold);
  const warm = value('warm');
  if (warm !== undefined) result.warmMs = number(spec, 'warm', warm);
  const speed = value('speed');
  if (speed !== undefined) result.speedFactor = number(spec, 'speed', speed);
  const scale = value('scale');
  if (scale !== undefined) Object.assign(result, { scaleEnvironments: number(spec, 'scale', scale), scalePerMs: 10_000 });
  return result;
}

/** Parses one `--remote` spec. */
export function parseRemoteSpec(spec: string): RemoteModel {
  const colon = spec.indexOf(':');
  const kind = colon === -1 ? spec : spec.slice(0, colon);
  if (kind !== 'lambda' && kind !== 'gcf') fail(spec, `kind must be lambda or gcf, got "${kind}"`);
  const map = fields(spec, colon === -1 ? '' : spec.slice(colon + 1));
  const memory = map.get('memory');
  const memoryMb = memory === undefined ? undefined : number(spec, 'memory', memory);
  const cpu = map.get('cpu');
  const rest = overrides(spec, map);
  const model =
    kind === 'lambda'
      ? lambdaFleet({ ...(memoryMb === undefined ? {} : { memoryMb }), ...rest })
      : gcfFleet({ ...(memoryMb === undefined ? {} : { memoryMb }), ...(cpu === undefined ? {} : { cpu: number(spec, 'cpu', cpu) }), ...rest });
  const usdPerSecond = map.get('usdPerSecond');
  return usdPerSecond === undefined ? model : { ...model, usdPerMs: number(spec, 'usdPerSecond', usdPerSecond) / 1000 };
}
