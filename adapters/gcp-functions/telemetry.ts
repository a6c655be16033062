/**
 * What the Cloud Functions backend tells OpenTelemetry about the function it
 * invokes (the `faas.invoked_*` attributes of its attempt spans).
 */
import type { InvokedFunction } from '../../src/backends/backend.js';

/** `https://REGION-PROJECT.cloudfunctions.net/NAME`: the URL form that names the region. */
const FUNCTIONS_HOST = /^([a-z]+-[a-z]+\d+)-[^.]+\.cloudfunctions\.net$/;

/** The invoked function from its URL: name and region from a `cloudfunctions.net` URL, else the host as the name; an explicit `region` (the `region` option) wins. */
export function invokedCloudFunction(url: string, explicitRegion?: string): InvokedFunction {
  const parsed = new URL(url);
  const urlRegion = FUNCTIONS_HOST.exec(parsed.hostname)?.[1];
  const region = explicitRegion ?? urlRegion;
  const name = urlRegion === undefined ? parsed.hostname : (parsed.pathname.split('/').filter(Boolean)[0] ?? parsed.hostname);
  return { name, provider: 'gcp', ...(region === undefined ? {} : { region }) };
}
