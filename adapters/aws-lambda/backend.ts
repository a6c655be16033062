/**
 * The Lambda backend: one `InvokeCommand` (`RequestResponse`, log tail
 * requested) per attempt, behind a concurrency gate, with every outcome
 * mapped to the contract: a result envelope for success and task errors,
 * an `OffloadError` for faults of the function, the service or the network.
 */
import { setMaxListeners } from 'node:events';
import type { InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import type { Backend, BackendSnapshot, InvokeOptions } from '../../src/backends/backend.js';
import { createConcurrencyGate, type ReleaseSlot } from '../../src/backends/concurrency-gate.js';
import { mergeLatencyProfile } from '../../src/backends/latency-profile.js';
import { linkSignals } from '../../src/backends/link-signals.js';
import { importPeer } from '../../src/backends/optional-peer.js';
import { MOST_STORAGE_REQUESTS, type PayloadStore, storageRequestsUsd } from '../../src/backends/payload-store.js';
import { inlineEnvelope, prepareEnvelope, type SpillLimits } from '../../src/backends/spill.js';
import type { ResultEnvelope, TaskEnvelope } from '../../src/contract/envelope.js';
import { AbortError, CapacityError, type OffloadError } from '../../src/errors.js';
import type { RemoteLatencyProfile } from '../../src/scheduler/types.js';
import { classifyInvokeFailure } from './errors.js';
import { lambdaLatencyProfile } from './latency.js';
import { type LambdaOptions, resolveLambdaOptions } from './options.js';
import { invocationCostUsd, type LambdaArchitecture, type ResolvedLambdaPricing } from './pricing.js';
import { decodeInvokeOutput, type InvocationTarget, LAMBDA_MAX_PAYLOAD_BYTES } from './protocol.js';
import { invokedLambda } from './telemetry.js';

/** Live signals of a Lambda backend: invocations sent and not answered yet, and attempts waiting for a free slot. */
export type LambdaSnapshot = BackendSnapshot;

/** A backend that runs attempts on one AWS Lambda function. */
export interface LambdaBackend extends Backend {
  /** 6 MB: the request limit of a synchronous invocation. */
  readonly maxPayloadBytes: number;
  /** Function name or ARN that is invoked. */
  readonly functionName: string;
  /** Version or alias that is invoked, if any. */
  readonly qualifier?: string;
  /** Memory of the function, in MB, as configured in the options. */
  readonly memoryMb: number;
  /** The function's timeout in ms (`timeoutSeconds` × 1000): the longest one invocation is billed for. */
  readonly maxBilledDurationMs: number;
  /** The longest INIT one invocation is billed for (the `maxBilledColdStartMs` option): reserved against budgets. */
  readonly maxBilledColdStartMs: number;
  /** CPU architecture of the function. */
  readonly architecture: LambdaArchitecture;
  /** Prices used by {@link LambdaBackend.estimateCostUsd}. */
  readonly pricing: ResolvedLambdaPricing;
  /** Cost in US dollars of one invocation that runs `durationMs`, after an INIT of `coldStartMs` when it started a new environment. */
  estimateCostUsd(durationMs: number, coldStartMs?: number): number;
  /** Priors of the scheduler's latency prediction (the `latency` option over {@link lambdaLatencyProfile}'s). */
  readonly latencyProfile: RemoteLatencyProfile;
  /** Live in-flight and queued counts. */
  snapshot(): LambdaSnapshot;
  /** Where payloads over the limit travel by reference, when configured. */
  readonly payloadStore?: PayloadStore;
}

const encoder = new TextEncoder();

/**
 * Creates a backend that runs task attempts on an AWS Lambda function whose
 * handler is `createLambdaHandler` (from `spillway/aws-lambda/handler`).
 *
 * When no `client` is given, spillway creates `new LambdaClient({ region,
 * maxAttempts: 1 })` on the first invocation: spillway owns retries and
 * failover, so the SDK never repeats an attempt on its own. A client you pass
 * should be created with `maxAttempts: 1` for the same reason.
 * `@aws-sdk/client-lambda` is an optional peer dependency, imported on the
 * first invocation; when it is not installed, that invocation rejects with
 * `MissingPeerError` (`ERR_MISSING_PEER`) naming the install command.
 *
 * With a `payloadStore`, an input over 6 MB (or over the store's
 * `spillOverBytes`) is uploaded to the bucket and the function fetches it by
 * a presigned URL; an output over 6 MB comes back the same way. The
 * attempt's objects are deleted before it settles.
 *
 * Aborting `signal` rejects the attempt with `AbortError` at once and closes
 * the HTTP request; an invocation that already started keeps running on
 * Lambda until it ends (and is billed).
 *
 * @example
 * import { lambda } from 'spillway/aws-lambda';
 * const remote = lambda({ functionName: 'spillway-tasks', region: 'eu-west-1', memoryMb: 2048, architecture: 'arm64' });
 *
 * @throws {ValidationError} when an option is invalid, naming the field.
 */
export function lambda(options: LambdaOptions): LambdaBackend {
  const resolved = resolveLambdaOptions(options);
  const { functionName, qualifier, name, memoryMb, timeoutSeconds, architecture, pricing, maxConcurrency } = resolved;
  const ownsClient = resolved.client === undefined;
  let client: LambdaClient | undefined = resolved.client;
  let sdk: Promise<typeof import('@aws-sdk/client-lambda')> | undefined;
  const loadSdk = (): Promise<typeof import('@aws-sdk/client-lambda')> => {
    if (sdk === undefined) {
      sdk = importPeer('@aws-sdk/client-lambda', { feature: 'lambda() of spillway/aws-lambda', load: () => import('@aws-sdk/client-lambda') });
      // A failed import is tried again by the next invocation.
      sdk.catch(() => {
        sdk = undefined;
      });
    }
    return sdk;
  };
  const spillLimits: Omit<SpillLimits, 'deadlineMs'> = {
    backend: name,
    store: resolved.payloadStore,
    requestLimitBytes: LAMBDA_MAX_PAYLOAD_BYTES,
    responseLimitBytes: LAMBDA_MAX_PAYLOAD_BYTES,
    limitSource: 'a synchronous Lambda invocation',
  };
  const gate = createConcurrencyGate(maxConcurrency, resolved.scalingRamp === false ? undefined : resolved.scalingRamp);
  const lifetime = new AbortController();
  // Every attempt in flight listens to it (up to maxConcurrency), which is no leak.
  setMaxListeners(0, lifetime.signal);
  const pending = new Set<Promise<unknown>>();
  let closing = false;

  async function regionOfClient(): Promise<string | undefined> {
    try {
      return resolved.region ?? (await client?.config.region());
    } catch {
      return undefined;
    }
  }

  async function attempt(envelope: TaskEnvelope, invokeOptions: InvokeOptions): Promise<ResultEnvelope> {
    const target: InvocationTarget = {
      backend: name,
      functionName,
      ...(qualifier === undefined ? {} : { qualifier }),
      taskId: envelope.id,
      taskName: envelope.task,
    };
    const aborted = (reason: unknown): OffloadError =>
      new AbortError(`Task "${envelope.task}" was aborted`, { cause: reason, taskName: envelope.task, taskId: envelope.id, backend: name });
    // Without a store the envelope is encoded in this tick, so the attempt joins the queue in the order of invoke().
    const prepared =
      spillLimits.store === undefined
        ? inlineEnvelope(envelope, spillLimits)
        : await prepareEnvelope(
            envelope,
            { ...spillLimits, deadlineMs: envelope.timeoutMs ?? timeoutSeconds * 1000 },
            invokeOptions.onStorageUsd,
            invokeOptions.signal,
          );
    const payload = encoder.encode(prepared.json);
    const { signal, unlink } = linkSignals(invokeOptions.signal, lifetime.signal);
    let release: ReleaseSlot | undefined;
    let result: ResultEnvelope | undefined;
    try {
      release = await gate.acquire(signal, () => aborted(signal.reason));
      const { InvokeCommand, LambdaClient } = await loadSdk();
      client ??= new LambdaClient({ ...(resolved.region === undefined ? {} : { region: resolved.region }), maxAttempts: 1 });
      if (signal.aborted) throw aborted(signal.reason);
      invokeOptions.onDispatch?.();
      const command = new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        LogType: 'Tail',
        Payload: payload,
        ...(qualifier === undefined ? {} : { Qualifier: qualifier }),
      });
      let output: InvokeCommandOutput;
      try {
        output = await client.send(command, { abortSignal: signal });
      } catch (error) {
        if (signal.aborted) throw aborted(signal.reason);
        throw classifyInvokeFailure(error, { ...target, region: await regionOfClient(), sizeBytes: payload.byteLength, limitBytes: LAMBDA_MAX_PAYLOAD_BYTES });
      }
      if (signal.aborted) throw aborted(signal.reason);
      result = decodeInvokeOutput(output, target);
      return await prepared.receive(result, signal);
    } finally {
      release?.();
      unlink();
      await prepared.cleanup(result);
    }
  }

  function invoke(envelope: TaskEnvelope, invokeOptions: InvokeOptions = {}): Promise<ResultEnvelope> {
    if (closing) {
      return Promise.reject(
        new CapacityError(`The Lambda backend "${name}" is closed: create a new one to run more tasks`, {
          code: 'ERR_CLOSED',
          retryable: false,
          backend: name,
        }),
      );
    }
    const run = attempt(envelope, invokeOptions);
    pending.add(run);
    const forget = (): void => {
      pending.delete(run);
    };
    run.then(forget, forget);
    return run;
  }

  async function settleAll(): Promise<void> {
    while (pending.size > 0) await Promise.allSettled([...pending]);
    if (ownsClient) client?.destroy();
  }

  return {
    name,
    kind: 'lambda',
    maxPayloadBytes: LAMBDA_MAX_PAYLOAD_BYTES,
    maxConcurrency,
    binaryParts: true,
    functionName,
    ...(qualifier === undefined ? {} : { qualifier }),
    invokedFunction: invokedLambda(functionName, resolved.region),
    memoryMb,
    maxBilledDurationMs: timeoutSeconds * 1000,
    maxBilledColdStartMs: resolved.maxBilledColdStartMs,
    architecture,
    pricing,
    ...(resolved.payloadStore === undefined
      ? {}
      : { payloadStore: resolved.payloadStore, maxStorageUsd: storageRequestsUsd(resolved.payloadStore.pricing, MOST_STORAGE_REQUESTS) }),
    estimateCostUsd: (durationMs, coldStartMs) => invocationCostUsd(pricing, memoryMb, durationMs, coldStartMs),
    latencyProfile: mergeLatencyProfile(lambdaLatencyProfile(memoryMb), resolved.latency),
    ...(resolved.stallAfterMs === undefined ? {} : { stallAfterMs: resolved.stallAfterMs }),
    snapshot: () => ({ inFlight: gate.active, queued: gate.waiting }),
    invoke,
    async close() {
      closing = true;
      await settleAll();
    },
    async destroy() {
      closing = true;
      lifetime.abort(new Error(`The Lambda backend "${name}" was destroyed`));
      await settleAll();
    },
  };
}
