/**
 * A small client for the Cloud Functions v2 REST API (the calls deploy and
 * teardown need), over `fetch` with OAuth headers from google-auth-library.
 * REST over `fetch` rather than `@google-cloud/functions`: its current major
 * needs Node 22 and its older one brings google-gax and gRPC for four calls;
 * `fetch` is what msw intercepts in the tests, so they exercise the real
 * requests.
 */
import { DeployError } from './deploy-error.js';
import { loadGoogleAuth } from './peers.js';

/** The public endpoint of the Cloud Functions v2 API. */
const CLOUD_FUNCTIONS_API = 'https://cloudfunctions.googleapis.com/v2';

/** A gen2 function, as far as deploy reads and writes it. */
export interface GcfFunction {
  name?: string;
  environment?: 'GEN_2' | string;
  labels?: Record<string, string>;
  state?: string;
  url?: string;
  buildConfig?: { runtime?: string; entryPoint?: string; source?: { storageSource?: GcfStorageSource }; environmentVariables?: Record<string, string> };
  serviceConfig?: {
    availableMemory?: string;
    /** vCPUs of an instance, e.g. `"0.3333"` or `"1"`; the API derives it from memory when not set. */
    availableCpu?: string;
    timeoutSeconds?: number;
    /** Whether the newest revision serves all traffic; sent as true so a redeploy always takes over. */
    allTrafficOnLatestRevision?: boolean;
    ingressSettings?: string;
    environmentVariables?: Record<string, string>;
    uri?: string;
  };
}

/** Where an uploaded source zip lives. */
export interface GcfStorageSource {
  bucket?: string;
  object?: string;
  generation?: string;
}

/** A long-running operation. */
export interface GcfOperation {
  name: string;
  done?: boolean;
  error?: { code?: number; message?: string };
  response?: GcfFunction;
}

/** The answer of `generateUploadUrl`. */
interface GcfUploadUrl {
  uploadUrl: string;
  storageSource: GcfStorageSource;
}

/** Resolves with the headers that authorize one request. */
type GcfAuthorizer = () => Promise<Record<string, string>>;

/** Where and as whom the client calls the API. */
export interface GcfApiOptions {
  /**
   * The API base URL (tests point it at msw).
   * @default 'https://cloudfunctions.googleapis.com/v2'
   */
  baseUrl?: string;
  /** Authorization headers; Application Default Credentials with the cloud-platform scope when omitted. */
  authorize?: GcfAuthorizer;
  /** What needs google-auth-library, named by the error when it is not installed (e.g. `spillway deploy gcf`). */
  feature?: string;
  /**
   * The project the calls are for (`--project`), given to google-auth-library with the default
   * authorizer so it does not look one up: without it, getting a token first tries
   * `gcloud config config-helper`, the metadata server, and for workload identity federation
   * Cloud Resource Manager (which needs `resourcemanager.projects.get`).
   */
  project?: string;
}

/** The calls deploy and teardown make; each throws a one-line {@link DeployError}. */
export interface GcfApi {
  getFunction(name: string): Promise<GcfFunction | undefined>;
  generateUploadUrl(parent: string): Promise<GcfUploadUrl>;
  uploadZip(uploadUrl: string, zip: Uint8Array): Promise<void>;
  createFunction(parent: string, functionId: string, fn: GcfFunction): Promise<GcfOperation>;
  updateFunction(fn: GcfFunction & { name: string }, updateMask: string[]): Promise<GcfOperation>;
  deleteFunction(name: string): Promise<GcfOperation>;
  getOperation(name: string): Promise<GcfOperation>;
}

/** OAuth headers from Application Default Credentials; google-auth-library (an optional peer) is loaded on the first call. */
function defaultAuthorizer(feature: string | undefined, project: string | undefined): GcfAuthorizer {
  let auth: Promise<{ getRequestHeaders(): Promise<Headers> }> | undefined;
  return async () => {
    auth ??= loadGoogleAuth(feature).then(
      ({ GoogleAuth }) =>
        new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'], ...(project === undefined ? {} : { projectId: project }) }),
    );
    return Object.fromEntries((await (await auth).getRequestHeaders()).entries());
  };
}

async function describeFailure(response: Response, what: string): Promise<DeployError> {
  let detail = response.statusText;
  try {
    const body = (await response.json()) as { error?: { message?: string; status?: string } };
    if (body.error?.message !== undefined) detail = `${body.error.status ?? response.status}: ${body.error.message}`;
  } catch {
    // Not JSON: the status text says enough.
  }
  if (response.status === 401 || response.status === 403) {
    return new DeployError(
      `Not allowed to ${what} (HTTP ${response.status}, ${detail}); give the deploying account roles/cloudfunctions.developer and roles/iam.serviceAccountUser, and check \`gcloud auth application-default login\``,
      'ERR_DEPLOY_ACCESS_DENIED',
    );
  }
  return new DeployError(`Failed to ${what} (HTTP ${response.status}, ${detail})`, 'ERR_DEPLOY_API');
}

/** Creates a {@link GcfApi}. */
export function createGcfApi(options: GcfApiOptions = {}): GcfApi {
  const baseUrl = (options.baseUrl ?? CLOUD_FUNCTIONS_API).replace(/\/$/, '');
  const authorize = options.authorize ?? defaultAuthorizer(options.feature, options.project);
  const call = async <T>(method: string, path: string, what: string, body?: unknown, allowNotFound = false): Promise<T | undefined> => {
    const headers = { ...(await authorize()), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const response = await fetch(`${baseUrl}/${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (allowNotFound && response.status === 404) return undefined;
    if (!response.ok) throw await describeFailure(response, what);
    return (await response.json()) as T;
  };
  const required = async <T>(promise: Promise<T | undefined>): Promise<T> => (await promise) as T;
  return {
    getFunction: (name) => call<GcfFunction>('GET', name, `get function ${name}`, undefined, true),
    generateUploadUrl: (parent) => required(call<GcfUploadUrl>('POST', `${parent}/functions:generateUploadUrl`, 'generate an upload URL', {})),
    async uploadZip(uploadUrl, zip) {
      const response = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'application/zip' }, body: zip });
      if (!response.ok) throw await describeFailure(response, 'upload the source zip to the signed URL');
    },
    createFunction: (parent, functionId, fn) =>
      required(call<GcfOperation>('POST', `${parent}/functions?functionId=${encodeURIComponent(functionId)}`, `create function ${functionId}`, fn)),
    updateFunction: (fn, updateMask) =>
      required(call<GcfOperation>('PATCH', `${fn.name}?updateMask=${encodeURIComponent(updateMask.join(','))}`, `update function ${fn.name}`, fn)),
    deleteFunction: (name) => required(call<GcfOperation>('DELETE', name, `delete function ${name}`)),
    getOperation: (name) => required(call<GcfOperation>('GET', name, `get operation ${name}`)),
  };
}
