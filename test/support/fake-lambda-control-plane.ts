/**
 * A model of the Lambda control plane for the deploy tests, as msw request
 * handlers: msw intercepts the SDK's requests in-process, or
 * control-plane-server.ts serves the same handlers on 127.0.0.1 for a CLI in
 * a child process (the e2e test). It records each operation in order, keeps the function's state
 * between calls, and is as strict as the Lambda API reference on the points
 * deploy depends on:
 *
 * - `GetFunction` returns `Tags` only when the caller may `lambda:ListTags`
 *   (deny `ListTags` to get `TagsError` instead);
 * - `UpdateFunctionCode`, `UpdateFunctionConfiguration` and `PublishVersion`
 *   answer `ResourceConflictException` while the function is `Pending` or an
 *   update is `InProgress`, and updates answer it for a function whose
 *   creation `Failed` (it can only be deleted);
 * - function names (1-64 of `[a-zA-Z0-9-_]`) and environment keys
 *   (`[a-zA-Z]([a-zA-Z0-9_])+`) are checked (`ValidationException`);
 * - `DeleteFunction` without a qualifier deletes the aliases and versions too.
 *
 * State changes happen between calls: each read of a function that is
 * `Pending` or `InProgress` reports the current state, then moves it to the
 * next entry of `readiness` (or to Active/Successful when that is empty).
 */
import { HttpResponse, http } from 'msw';

/** The endpoint the in-process test clients use (msw intercepts it; nothing leaves the machine). */
export const LAMBDA_ENDPOINT = 'https://lambda.us-east-1.amazonaws.com';
const ACCOUNT = '123456789012';
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;

/** A state of a function or version, as GetFunction / GetFunctionConfiguration report it. */
export interface Readiness {
  State?: 'Pending' | 'Active' | 'Inactive' | 'Failed';
  StateReason?: string;
  StateReasonCode?: string;
  LastUpdateStatus?: 'InProgress' | 'Successful' | 'Failed';
  LastUpdateStatusReason?: string;
  LastUpdateStatusReasonCode?: string;
}

/** The model's state; tests set it up and read it back. */
export interface FakeLambdaState {
  /** Operations in the order they arrived, e.g. `GetFunction`, `CreateFunction`. */
  calls: string[];
  /** JSON bodies of the write operations, by operation name (last one wins). */
  bodies: Record<string, Record<string, unknown>>;
  /** Whether the function exists. */
  exists: boolean;
  /** The function's tags. */
  tags: Record<string, string>;
  /** State of `$LATEST` (merged over Active/Successful). */
  current: Readiness;
  /** The next states of `$LATEST` while it is Pending or InProgress, one per read. */
  readiness: Readiness[];
  /** Configuration fields set by create/update (MemorySize, Architectures, Role, …). */
  settings: Record<string, unknown>;
  /** Whether the alias exists. */
  aliasExists: boolean;
  /** Version the alias points at. */
  aliasVersion?: string;
  /** Last published version. */
  version: number;
  /** States a newly published version goes through, one per read (a Failed one stays); Active after them. */
  publishedReadiness: Readiness[];
  /** Published versions and the states each still goes through. */
  versions: Record<string, Readiness[]>;
  /** Operations that answer 403 AccessDeniedException; `ListTags` makes GetFunction answer `TagsError`. */
  denied: Set<string>;
}

/** A fresh state: no function, no alias. */
export function createFakeLambdaState(overrides: Partial<FakeLambdaState> = {}): FakeLambdaState {
  return {
    calls: [],
    bodies: {},
    exists: false,
    tags: {},
    current: {},
    readiness: [],
    settings: {},
    aliasExists: false,
    version: 0,
    publishedReadiness: [],
    versions: {},
    denied: new Set(),
    ...overrides,
  };
}

function awsError(status: number, type: string, message: string): Response {
  return HttpResponse.json({ Type: 'User', message }, { status, headers: { 'x-amzn-errortype': type } });
}

const SETTLED: Readiness = { State: 'Active', LastUpdateStatus: 'Successful' };
const isBusy = (readiness: Readiness): boolean => readiness.State === 'Pending' || readiness.LastUpdateStatus === 'InProgress';
const arn = (name: string): string => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;

/** Reports the state of `$LATEST`, then lets it move on. */
function readLatest(state: FakeLambdaState): Readiness {
  const now = { ...SETTLED, ...state.current };
  if (isBusy(now)) state.current = { ...now, ...(state.readiness.shift() ?? SETTLED) };
  return now;
}

function configuration(state: FakeLambdaState, name: string, readiness: Readiness): Record<string, unknown> {
  return { FunctionName: name, FunctionArn: arn(name), RevisionId: `rev-${state.calls.length}`, ...state.settings, ...readiness };
}

function invalid(body: Record<string, unknown>, name: string): Response | undefined {
  if (!FUNCTION_NAME.test(name)) {
    return awsError(400, 'ValidationException', `1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint`);
  }
  const variables = (body.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
  const bad = Object.keys(variables).find((key) => !ENV_KEY.test(key));
  if (bad !== undefined) {
    return awsError(
      400,
      'ValidationException',
      `1 validation error detected: Value '${bad}' at 'environment.variables' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+`,
    );
  }
  return undefined;
}

function conflict(state: FakeLambdaState, operation: string): Response | undefined {
  const now = { ...SETTLED, ...state.current };
  if (operation !== 'PublishVersion' && now.State === 'Failed') {
    return awsError(
      409,
      'ResourceConflictException',
      'The operation cannot be performed at this time. The function is in the Failed state; delete it and create it again.',
    );
  }
  if (isBusy(now)) {
    return awsError(409, 'ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: ${operation}`);
  }
  return undefined;
}

/** The msw handlers of the model, answering at `endpoint` (a server's `http://127.0.0.1:<port>` in the e2e test). */
export function fakeLambdaHandlers(state: FakeLambdaState, endpoint = LAMBDA_ENDPOINT) {
  const BASE = `${endpoint.replace(/\/$/, '')}/2015-03-31/functions`;
  const record = async (operation: string, request: Request): Promise<Response | undefined> => {
    state.calls.push(operation);
    if (request.method !== 'GET' && request.method !== 'DELETE') {
      const text = await request.text();
      if (text !== '') state.bodies[operation] = JSON.parse(text) as Record<string, unknown>;
    }
    if (state.denied.has(operation)) return awsError(403, 'AccessDeniedException', `User is not authorized to perform: lambda:${operation}`);
    return undefined;
  };
  const notFound = (name: string): Response => awsError(404, 'ResourceNotFoundException', `Function not found: ${arn(name)}`);
  const readVersion = (version: string): Readiness => {
    const queue = state.versions[version] ?? [];
    const now = { ...SETTLED, ...queue[0] };
    if (now.State !== 'Failed') queue.shift();
    return now;
  };
  const update = (operation: string, fields: (body: Record<string, unknown>) => Record<string, unknown>) =>
    http.put(`${BASE}/:name/${operation === 'UpdateFunctionCode' ? 'code' : 'configuration'}`, async ({ request, params }) => {
      const name = String(params.name);
      const denied = await record(operation, request);
      if (denied) return denied;
      if (!state.exists) return notFound(name);
      const body = state.bodies[operation] ?? {};
      const refused = invalid(body, name) ?? conflict(state, operation);
      if (refused) return refused;
      state.settings = { ...state.settings, ...fields(body) };
      state.current = { ...state.current, LastUpdateStatus: 'InProgress' };
      return HttpResponse.json(configuration(state, name, { ...SETTLED, ...state.current }));
    });
  return [
    http.get(`${BASE}/:name/configuration`, async ({ request, params }) => {
      const name = String(params.name);
      const denied = await record('GetFunctionConfiguration', request);
      if (denied) return denied;
      if (!state.exists) return notFound(name);
      const qualifier = new URL(request.url).searchParams.get('Qualifier');
      if (qualifier !== null && qualifier !== '$LATEST') {
        if (state.versions[qualifier] === undefined) return notFound(`${name}:${qualifier}`);
        return HttpResponse.json({ ...configuration(state, name, readVersion(qualifier)), Version: qualifier });
      }
      return HttpResponse.json(configuration(state, name, readLatest(state)));
    }),
    http.get(`${BASE}/:name`, async ({ request, params }) => {
      const name = String(params.name);
      const denied = await record('GetFunction', request);
      if (denied) return denied;
      if (!state.exists) return notFound(name);
      const tags = state.denied.has('ListTags')
        ? { TagsError: { ErrorCode: 'AccessDeniedException', Message: `User is not authorized to perform: lambda:ListTags on resource: ${arn(name)}` } }
        : { Tags: state.tags };
      return HttpResponse.json({ Configuration: configuration(state, name, readLatest(state)), Code: {}, ...tags });
    }),
    http.post(BASE, async ({ request }) => {
      const denied = await record('CreateFunction', request);
      if (denied) return denied;
      const body = state.bodies.CreateFunction ?? {};
      const name = String(body.FunctionName);
      const refused = invalid(body, name);
      if (refused) return refused;
      if (state.exists) return awsError(409, 'ResourceConflictException', `Function already exist: ${name}`);
      const { FunctionName: _name, Code: _code, Tags, Publish: _publish, ...settings } = body;
      Object.assign(state, { exists: true, tags: (Tags as Record<string, string> | undefined) ?? {}, settings, current: { State: 'Pending' } });
      return HttpResponse.json(configuration(state, name, { State: 'Pending', StateReasonCode: 'Creating' }), { status: 201 });
    }),
    update('UpdateFunctionCode', (body) => (body.Architectures === undefined ? {} : { Architectures: body.Architectures })),
    update('UpdateFunctionConfiguration', (body) => body),
    http.post(`${BASE}/:name/versions`, async ({ request, params }) => {
      const name = String(params.name);
      const denied = await record('PublishVersion', request);
      if (denied) return denied;
      const refused = conflict(state, 'PublishVersion');
      if (refused) return refused;
      state.version += 1;
      const version = String(state.version);
      state.versions[version] = [...state.publishedReadiness];
      return HttpResponse.json(
        { ...configuration(state, name, { ...SETTLED, ...state.versions[version]?.[0] }), FunctionArn: `${arn(name)}:${version}`, Version: version },
        { status: 201 },
      );
    }),
    http.post(`${BASE}/:name/aliases`, async ({ request, params }) => {
      const denied = await record('CreateAlias', request);
      if (denied) return denied;
      const body = state.bodies.CreateAlias ?? {};
      if (state.aliasExists) return awsError(409, 'ResourceConflictException', `Alias already exists: ${String(body.Name)}`);
      state.aliasExists = true;
      state.aliasVersion = String(body.FunctionVersion);
      return HttpResponse.json(
        { AliasArn: `${arn(String(params.name))}:${String(body.Name)}`, Name: body.Name, FunctionVersion: body.FunctionVersion },
        { status: 201 },
      );
    }),
    http.put(`${BASE}/:name/aliases/:alias`, async ({ request, params }) => {
      const denied = await record('UpdateAlias', request);
      if (denied) return denied;
      if (!state.aliasExists) return awsError(404, 'ResourceNotFoundException', `Alias not found: ${String(params.alias)}`);
      const body = state.bodies.UpdateAlias ?? {};
      state.aliasVersion = String(body.FunctionVersion);
      return HttpResponse.json({ AliasArn: `${arn(String(params.name))}:${String(params.alias)}`, Name: params.alias, FunctionVersion: body.FunctionVersion });
    }),
    http.delete(`${BASE}/:name/aliases/:alias`, async ({ request, params }) => {
      const denied = await record('DeleteAlias', request);
      if (denied) return denied;
      if (!state.aliasExists) return awsError(404, 'ResourceNotFoundException', `Alias not found: ${String(params.alias)}`);
      state.aliasExists = false;
      return new HttpResponse(null, { status: 204 });
    }),
    http.delete(`${BASE}/:name`, async ({ request, params }) => {
      const denied = await record('DeleteFunction', request);
      if (denied) return denied;
      if (!state.exists) return notFound(String(params.name));
      Object.assign(state, { exists: false, aliasExists: false, aliasVersion: undefined, tags: {}, current: {}, readiness: [], settings: {}, versions: {} });
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}
