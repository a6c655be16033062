/** Creates the `LambdaClient` the deploy and teardown scripts use; tests point it at a mock endpoint. */
import { LambdaClient } from '@aws-sdk/client-lambda';

/** Where and as whom the deploy scripts call the Lambda control plane. */
export interface LambdaClientOptions {
  /** Region; the SDK's own resolution (AWS_REGION, profile) when omitted. */
  region?: string;
  /** Endpoint URL instead of the region's, e.g. for tests or LocalStack. */
  endpoint?: string;
  /** Static credentials; the SDK's default provider chain when omitted. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** A `LambdaClient` for control-plane calls (the SDK's retries stay on: those calls are idempotent or guarded by state). */
export function createLambdaDeployClient(options: LambdaClientOptions = {}): LambdaClient {
  return new LambdaClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
}
