/**
 * The optional peers infra loads where it uses them (src/backends/optional-peer.ts):
 * esbuild to bundle, the Lambda SDK to deploy and tear down on AWS,
 * google-auth-library for the Cloud Functions API. `spillway inspect`,
 * `--help` and `--version` load none of them. Each loader takes the feature
 * the error names; the CLI passes its command (`spillway bundle`).
 */
import { importPeer } from '../src/backends/optional-peer.js';

type Esbuild = typeof import('esbuild');
type LambdaSdk = typeof import('@aws-sdk/client-lambda');
type GoogleAuthLibrary = typeof import('google-auth-library');

/** esbuild, which bundles task modules (`spillway bundle`, `spillway dev`, `startDev`). */
export function loadEsbuild(feature = 'Bundling a task module (spillway bundle, spillway dev, startDev)'): Promise<Esbuild> {
  return importPeer('esbuild', { feature, dev: true, load: () => import('esbuild') });
}

/** The AWS SDK's Lambda client, for deploy, teardown and the Lambda emulator's client. */
export function loadLambdaSdk(feature = 'Deploying to AWS Lambda (spillway deploy lambda, spillway teardown lambda)'): Promise<LambdaSdk> {
  return importPeer('@aws-sdk/client-lambda', { feature, load: () => import('@aws-sdk/client-lambda') });
}

/** google-auth-library, which authorizes calls to the Cloud Functions API. */
export function loadGoogleAuth(feature = 'Deploying to Cloud Functions (spillway deploy gcf, spillway teardown gcf)'): Promise<GoogleAuthLibrary> {
  return importPeer('google-auth-library', { feature, load: () => import('google-auth-library') });
}
