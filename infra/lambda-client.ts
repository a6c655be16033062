/**
 * The `LambdaClient` the deploy and teardown scripts use (tests point it at a
 * mock endpoint). `@aws-sdk/client-lambda` is an optional peer, loaded here
 * when a client is created.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { loadLambdaSdk } from './peers.js';

/** Where and as whom the deploy scripts call the Lambda control plane. */
export interface LambdaClientOptions {
  /** Region; the SDK's own resolution (AWS_REGION, profile) when omitted. */
  region?: string;
  /** Endpoint URL instead of the region's, e.g. for tests or LocalStack. */
  endpoint?: string;
  /** Static credentials; the SDK's default provider chain when omitted. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** A client, or a function that creates one when the first call is about to be made. */
export type LambdaClientSource = LambdaClient | (() => Promise<LambdaClient>);

/**
 * A `LambdaClient` for control-plane calls (the SDK's retries stay on: those calls are idempotent or guarded by state).
 * Rejects with `ERR_MISSING_PEER` when `@aws-sdk/client-lambda` is not installed; `feature` is what that error names.
 */
export async function createLambdaDeployClient(options: LambdaClientOptions = {}, feature?: string): Promise<LambdaClient> {
  const { LambdaClient } = await loadLambdaSdk(feature);
  return new LambdaClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
}

/** The client `source` stands for, created now when it is a function. */
export function resolveLambdaClient(source: LambdaClientSource): Promise<LambdaClient> {
  return typeof source === 'function' ? source() : Promise.resolve(source);
}
