/**
 * The `spillway/dev` entry point: run task modules against the real local
 * emulators from tests and scripts, with no cloud account and nothing bound
 * beyond 127.0.0.1.
 *
 * - {@link startDev}: bundle a task module and serve it on the Functions
 *   Framework and serverless-offline (what `spillway dev` does).
 * - {@link recordTrace}: record an offloader's arrivals as a JSONL trace for
 *   `spillway simulate`.
 * - {@link startFunctionsFramework}, {@link startServerlessOffline}: the two
 *   emulators on their own, serving an entry module you wrote.
 * - {@link startCloudModel} with {@link lambdaFleet} / {@link gcfFleet}: a
 *   front in front of either emulator that behaves like a function fleet
 *   (network, cold starts, warm period, speed, throttling, scaling rate);
 *   the entry module wraps its handler with {@link modelLambdaHandler} or
 *   {@link modelCloudFunction}.
 *
 * Install the emulators next to spillway: `@google-cloud/functions-framework`
 * (Cloud Functions), and `serverless@3` with `serverless-offline@13` (Lambda).
 */

export { type EnvironmentInstructions, MODEL_HEADER, modelCloudFunction, modelLambdaHandler } from './cloud-model/environment.js';
export type { FleetState, ThrottleReason } from './cloud-model/fleet.js';
export { type CloudModel, type CloudModelOptions, startCloudModel } from './cloud-model/front.js';
export { type FleetParams, type GcfFleetOptions, gcfFleet, type LambdaFleetOptions, lambdaFleet } from './cloud-model/params.js';
export { type DevLambda, type DevOptions, type DevSession, startDev } from './dev.js';
export { type FunctionsFrameworkOptions, type FunctionsFrameworkServer, startFunctionsFramework } from './emulators/functions-framework.js';
export {
  type EmulatedFunction,
  type EmulatorClientConfig,
  type ServerlessOffline,
  type ServerlessOfflineOptions,
  startServerlessOffline,
} from './emulators/serverless-offline.js';
export { recordTrace, type TraceRecorder } from './record-trace.js';
