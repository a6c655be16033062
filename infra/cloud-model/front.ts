/**
 * The front end of the cloud model: an HTTP server on 127.0.0.1 in front of
 * a real emulator (the Functions Framework, or serverless-offline's Invoke
 * API) that behaves like the cloud's front end for one function fleet. Per
 * request it serves half the drawn network round trip on the way in and
 * half on the way out, admits the request through the {@link Fleet} (a warm
 * environment, a new one that cold-starts, a wait for an instance, or a
 * 429: Lambda's `TooManyRequestsException` with its `Reason`, Cloud Run's
 * bare 429), tells the environment its INIT time (environment.ts serves it),
 * serves the run time x `speedFactor` as wall time, and bills INIT + run
 * time x `speedFactor` (the run time the handler reports in its result
 * envelope, else the wall time of the call: the emulator's own overhead on
 * this machine is not the cloud's bill); its answer reports that run time
 * and, from a new environment, the INIT (`coldStartMs`) as the real
 * handlers do on their platforms. The
 * model's state (environments, cold starts, reclaims, throttles, bill) is
 * readable at any time. Public as `startCloudModel` of `spillway/dev`.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../simulate/random.js';
import { MODEL_HEADER } from './environment.js';
import { type Admission, Fleet, type FleetState, type ThrottleReason } from './fleet.js';
import type { FleetParams } from './params.js';

/** Options of {@link startCloudModel}. */
export interface CloudModelOptions {
  /** The fleet to model (`lambdaFleet()` or `gcfFleet()`). */
  fleet: FleetParams;
  /** Base URL of the emulator behind the front: the Functions Framework's `url`, or serverless-offline's `endpoint`. */
  upstream: string;
  /** Seed of the network and cold start draws. @default 1 */
  seed?: number;
}

/** A running model front. */
export interface CloudModel {
  /** Base URL of the front: `cloudFunctions({ url })`, or the `endpoint` of a `LambdaClient`. */
  url: string;
  /** The fleet modelled. */
  fleet: FleetParams;
  /** The fleet's counters now. */
  state(): FleetState;
  /** Closes the front (the emulator behind it keeps running). */
  stop(): Promise<void>;
}

type RunAdmission = Extract<Admission, { kind: 'run' }>;
type Settled = RunAdmission | { kind: 'throttled'; reason: ThrottleReason };

/** Headers not copied between the hops. */
const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forwardHeaders(req: IncomingMessage, params: FleetParams, initMs: number): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_HEADERS.has(key)) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const instructions = JSON.stringify({ initMs });
  if (params.cloud === 'lambda') {
    const context = { custom: { [MODEL_HEADER]: instructions } };
    headers.set('x-amz-client-context', Buffer.from(JSON.stringify(context)).toString('base64'));
  } else headers.set(MODEL_HEADER, instructions);
  return headers;
}

/**
 * The run time the handler reports in its result envelope (`durationMs`):
 * what the cloud bills, without the emulator's own overhead on this machine.
 */
function reportedRunMs(payload: Buffer): number | undefined {
  try {
    const value = JSON.parse(payload.toString('utf8')) as { durationMs?: unknown };
    return typeof value.durationMs === 'number' && value.durationMs >= 0 ? value.durationMs : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The result envelope as the modelled cloud answers it: `durationMs` is the
 * run time served there (x `speedFactor`), and the first request of a new
 * environment reports its billed INIT as `coldStartMs`, as the handlers do
 * on the real platforms. A body that is not a JSON result passes unchanged.
 */
function modelledResult(payload: Buffer, runMs: number, coldStartMs: number | undefined): Buffer {
  try {
    const value = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    if (typeof value !== 'object' || value === null || typeof value.durationMs !== 'number') return payload;
    return Buffer.from(JSON.stringify({ ...value, durationMs: runMs, ...(coldStartMs === undefined ? {} : { coldStartMs }) }));
  } catch {
    return payload;
  }
}

function throttle(res: ServerResponse, params: FleetParams, reason: ThrottleReason): void {
  if (params.cloud === 'lambda') {
    // The Reason Lambda sends past its concurrency; the scaling rate's refusal is the same 429 (scaling-behavior names no other Reason).
    const body = JSON.stringify({ Reason: 'ConcurrentInvocationLimitExceeded', Type: 'User', message: 'Rate Exceeded.' });
    res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException', 'x-spillway-throttle': reason });
    res.end(body);
    return;
  }
  res.writeHead(429, { 'content-type': 'text/plain', 'x-spillway-throttle': reason });
  res.end('Rate exceeded.');
}

/** Starts a model front for `options.fleet` in front of `options.upstream`. */
export async function startCloudModel(options: CloudModelOptions): Promise<CloudModel> {
  const params = options.fleet;
  const fleet = new Fleet(params, seededRandom(options.seed ?? 1));
  const upstream = options.upstream.replace(/\/$/, '');
  const waiters = new Map<number, (settled: Settled) => void>();

  const admit = (): Promise<Settled> => {
    const admission = fleet.admit(performance.now());
    if (admission.kind !== 'queued') return Promise.resolve(admission);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (fleet.expire(admission.ticket)) {
          waiters.delete(admission.ticket);
          resolve({ kind: 'throttled', reason: 'QueueTimeout' });
        }
      }, params.queueTimeoutMs);
      waiters.set(admission.ticket, (settled) => {
        clearTimeout(timer);
        resolve(settled);
      });
    });
  };

  const release = (run: RunAdmission, billedMs: number): void => {
    const handoff = fleet.release(run.env, performance.now(), billedMs);
    if (handoff === undefined) return;
    const waiter = waiters.get(handoff.ticket);
    waiters.delete(handoff.ticket);
    waiter?.(handoff.admission);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const networkMs = fleet.networkMs();
    await sleep(networkMs / 2);
    const settled = await admit();
    if (settled.kind === 'throttled') {
      await sleep(networkMs / 2);
      throttle(res, params, settled.reason);
      return;
    }
    const started = performance.now();
    let response: Response;
    let payload: Buffer;
    try {
      response = await fetch(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: forwardHeaders(req, params, settled.initMs), body });
      payload = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      release(settled, performance.now() - started);
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`The cloud model could not reach ${upstream}: ${String(error)}`);
      return;
    }
    const runMs = reportedRunMs(payload) ?? Math.max(0, performance.now() - started - settled.initMs);
    const slowerMs = runMs * (params.speedFactor - 1);
    if (slowerMs > 0) await sleep(slowerMs);
    release(settled, (params.billsInit ? settled.initMs : 0) + runMs * params.speedFactor);
    await sleep(networkMs / 2);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      if (!HOP_HEADERS.has(key)) headers[key] = value;
    });
    res.writeHead(response.status, headers);
    const initMs = settled.cold && params.billsInit ? settled.initMs : undefined;
    res.end(modelledResult(payload, runMs * params.speedFactor, initMs));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fleet: params,
    state: () => fleet.state(performance.now()),
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}
