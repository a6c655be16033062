/**
 * An msw model of the Lambda control plane for the deploy tests: it records
 * each operation in order and answers from a small in-memory state. Readiness
 * answers come from a queue of `{ State, LastUpdateStatus }` so tests decide
 * how many polls a wait takes.
 */
import { HttpResponse, http } from 'msw';

/** The endpoint the test clients use (msw intercepts it; nothing leaves the machine). */
export const LAMBDA_ENDPOINT = 'https://lambda.us-east-1.amazonaws.com';

const BASE = `${LAMBDA_ENDPOINT}/2015-03-31/functions`;
const ACCOUNT = '123456789012';

/** A readiness answer of GetFunctionConfiguration. */
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
  /** Whether the alias exists. */
  aliasExists: boolean;
  /** Version the alias points at. */
  aliasVersion?: string;
  /** Last published version. */
  version: number;
  /** Readiness answers, one per GetFunctionConfiguration; when empty, Active/Successful. */
  readiness: Readiness[];
  /** Operations that answer 403 AccessDeniedException. */
  denied: Set<string>;
}

/** A fresh state: no function, no alias. */
export function createFakeLambdaState(overrides: Partial<FakeLambdaState> = {}): FakeLambdaState {
  return { calls: [], bodies: {}, exists: false, tags: {}, aliasExists: false, version: 0, readiness: [], denied: new Set(), ...overrides };
}

function awsError(status: number, type: string, message: string): Response {
  return HttpResponse.json({ Type: 'User', message }, { status, headers: { 'x-amzn-errortype': type } });
}

function configuration(name: string, readiness: Readiness = {}): Record<string, unknown> {
  return {
    FunctionName: name,
    FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`,
    Runtime: 'nodejs22.x',
    RevisionId: 'rev-1',
    State: 'Active',
    LastUpdateStatus: 'Successful',
    ...readiness,
  };
}

/** The msw handlers of the model. */
export function fakeLambdaHandlers(state: FakeLambdaState) {
  const record = async (operation: string, request: Request): Promise<Response | undefined> => {
    state.calls.push(operation);
    if (request.method !== 'GET' && request.method !== 'DELETE') {
      const text = await request.text();
      if (text !== '') state.bodies[operation] = JSON.parse(text) as Record<string, unknown>;
    }
    if (state.denied.has(operation)) return awsError(403, 'AccessDeniedException', `User is not authorized to perform: lambda:${operation}`);
    return undefined;
  };
  const notFound = (name: string): Response => awsError(404, 'ResourceNotFoundException', `Function not found: ${name}`);
  return [
    http.get(`${BASE}/:name/configuration`, async ({ request, params }) => {
      const name = String(params.name);
      const denied = await record('GetFunctionConfiguration', request);
      if (denied) return denied;
      if (!state.exists) return notFound(name);
      return HttpResponse.json(configuration(name, state.readiness.shift()));
    }),
    http.get(`${BASE}/:name`, async ({ request, params }) => {
      const name = String(params.name);
      const denied = await record('GetFunction', request);
      if (denied) return denied;
      if (!state.exists) return notFound(name);
      return HttpResponse.json({ Configuration: configuration(name), Tags: state.tags, Code: {} });
    }),
    http.post(BASE, async ({ request }) => {
      const denied = await record('CreateFunction', request);
      if (denied) return denied;
      const body = state.bodies.CreateFunction ?? {};
      state.exists = true;
      state.tags = (body.Tags as Record<string, string> | undefined) ?? {};
      return HttpResponse.json(configuration(String(body.FunctionName), { State: 'Pending', LastUpdateStatus: 'InProgress' }), { status: 201 });
    }),
    http.put(`${BASE}/:name/code`, async ({ request, params }) => {
      const denied = await record('UpdateFunctionCode', request);
      if (denied) return denied;
      return HttpResponse.json(configuration(String(params.name), { LastUpdateStatus: 'InProgress' }));
    }),
    http.put(`${BASE}/:name/configuration`, async ({ request, params }) => {
      const denied = await record('UpdateFunctionConfiguration', request);
      if (denied) return denied;
      return HttpResponse.json(configuration(String(params.name), { LastUpdateStatus: 'InProgress' }));
    }),
    http.post(`${BASE}/:name/versions`, async ({ request, params }) => {
      const denied = await record('PublishVersion', request);
      if (denied) return denied;
      state.version += 1;
      const name = String(params.name);
      return HttpResponse.json(
        { ...configuration(name), FunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}:${state.version}`, Version: String(state.version) },
        { status: 201 },
      );
    }),
    http.post(`${BASE}/:name/aliases`, async ({ request, params }) => {
      const denied = await record('CreateAlias', request);
      if (denied) return denied;
      const body = state.bodies.CreateAlias ?? {};
      state.aliasExists = true;
      state.aliasVersion = String(body.FunctionVersion);
      const aliasArn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${String(params.name)}:${String(body.Name)}`;
      return HttpResponse.json({ AliasArn: aliasArn, Name: body.Name, FunctionVersion: body.FunctionVersion }, { status: 201 });
    }),
    http.put(`${BASE}/:name/aliases/:alias`, async ({ request, params }) => {
      const denied = await record('UpdateAlias', request);
      if (denied) return denied;
      if (!state.aliasExists) return awsError(404, 'ResourceNotFoundException', `Alias not found: ${String(params.alias)}`);
      const body = state.bodies.UpdateAlias ?? {};
      state.aliasVersion = String(body.FunctionVersion);
      const aliasArn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${String(params.name)}:${String(params.alias)}`;
      return HttpResponse.json({ AliasArn: aliasArn, Name: params.alias, FunctionVersion: body.FunctionVersion });
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
      state.exists = false;
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}
